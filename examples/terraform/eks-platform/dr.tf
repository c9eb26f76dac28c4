resource "aws_s3_bucket" "dr_backups" {
  provider = aws.dr

  bucket = "${var.cluster_name}-dr-backups-${data.aws_caller_identity.current.account_id}"

  tags = local.common_tags
}

resource "aws_instance" "dr_standby" {
  provider = aws.dr

  ami           = var.dr_ami_id
  instance_type = "m5.large"

  root_block_device {
    volume_type = "gp3"
    volume_size = 40
  }

  tags = merge(local.common_tags, {
    Name = "${var.cluster_name}-dr-standby"
    role = "dr-standby"
  })
}
