# Ingest server that partners upload feeds to, its public address and its data volumes.
resource "aws_instance" "ingest" {
  ami                    = var.ami_id
  instance_type          = var.ingest_instance_type
  subnet_id              = aws_subnet.public[0].id
  vpc_security_group_ids = [aws_security_group.ingest.id]
  monitoring             = false

  root_block_device {
    volume_type = "gp3"
    volume_size = 30
    encrypted   = true
  }

  metadata_options {
    http_tokens = "required"
  }

  tags = {
    Name = "${var.name}-ingest"
    role = "ingest"
  }
}

# Partners allow-list this address, so it must survive a replacement of the instance.
resource "aws_eip" "ingest" {
  domain = "vpc"

  tags = {
    Name = "${var.name}-ingest"
  }
}

resource "aws_eip_association" "ingest" {
  allocation_id = aws_eip.ingest.id
  instance_id   = aws_instance.ingest.id
}

# Incoming files wait here until they are processed.
resource "aws_ebs_volume" "spool" {
  availability_zone = aws_instance.ingest.availability_zone
  type              = "gp2"
  size              = 200
  encrypted         = true

  tags = {
    Name = "${var.name}-spool"
  }
}

# Working set of the feed processor: 6,000 IOPS and 250 MiB/s (gp3 includes 3,000 and 125).
resource "aws_ebs_volume" "work" {
  availability_zone = aws_instance.ingest.availability_zone
  type              = "gp3"
  size              = 500
  iops              = 6000
  throughput        = 250
  encrypted         = true

  tags = {
    Name = "${var.name}-work"
  }
}

# Write-ahead journal of the processor: small and latency-sensitive.
resource "aws_ebs_volume" "journal" {
  availability_zone = aws_instance.ingest.availability_zone
  type              = "io2"
  size              = 100
  iops              = 3000
  encrypted         = true

  tags = {
    Name = "${var.name}-journal"
  }
}

resource "aws_volume_attachment" "spool" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.spool.id
  instance_id = aws_instance.ingest.id
}

resource "aws_volume_attachment" "work" {
  device_name = "/dev/sdg"
  volume_id   = aws_ebs_volume.work.id
  instance_id = aws_instance.ingest.id
}

resource "aws_volume_attachment" "journal" {
  device_name = "/dev/sdh"
  volume_id   = aws_ebs_volume.journal.id
  instance_id = aws_instance.ingest.id
}
