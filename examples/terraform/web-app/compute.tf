resource "aws_launch_template" "app" {
  name_prefix            = "${var.name}-app-"
  image_id               = var.app_ami_id
  instance_type          = var.app_instance_type
  update_default_version = true
  vpc_security_group_ids = [aws_security_group.app.id]

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 30
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags = {
      Name = "${var.name}-app"
      role = "app"
    }
  }

  tag_specifications {
    resource_type = "volume"
    tags = {
      Name = "${var.name}-app"
      role = "app"
    }
  }

  tags = {
    Name = "${var.name}-app"
  }
}

resource "aws_autoscaling_group" "app" {
  name                      = "${var.name}-app"
  min_size                  = 2
  max_size                  = 6
  desired_capacity          = 3
  vpc_zone_identifier       = module.network.private_subnet_ids
  target_group_arns         = [aws_lb_target_group.app.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 120

  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-app"
    propagate_at_launch = true
  }

  # Scaling policies own the running count once the group exists.
  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

data "aws_ami" "bastion" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-minimal-*-x86_64"]
  }
}

# A newer AMI was published since the last apply, so the bastion is replaced.
resource "aws_instance" "bastion" {
  ami                         = data.aws_ami.bastion.id
  instance_type               = "t3.micro"
  subnet_id                   = module.network.public_subnet_ids[0]
  vpc_security_group_ids      = [aws_security_group.bastion.id]
  associate_public_ip_address = true
  monitoring                  = false

  root_block_device {
    volume_type = "gp3"
    volume_size = 8
    encrypted   = true
  }

  metadata_options {
    http_tokens = "required"
  }

  tags = {
    Name = "${var.name}-bastion"
    role = "bastion"
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = "${var.region}a"
  type              = "gp3"
  size              = 200
  iops              = 4000
  throughput        = 250
  encrypted         = true

  tags = {
    Name = "${var.name}-shared-data"
  }
}
