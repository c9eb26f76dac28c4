# ap-southeast-2 (Sydney): the same stack as ireland.tf, on the aliased provider aws.sydney.

# -- network ---------------------------------------------------------------------------------------
resource "aws_vpc" "sydney" {
  provider = aws.sydney

  cidr_block           = local.sydney.vpc_cidr
  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = {
    Name = "${var.name}-sydney"
  }
}

resource "aws_internet_gateway" "sydney" {
  provider = aws.sydney

  vpc_id = aws_vpc.sydney.id

  tags = {
    Name = "${var.name}-sydney"
  }
}

resource "aws_subnet" "sydney_public" {
  provider = aws.sydney

  count = length(local.sydney.azs)

  vpc_id                  = aws_vpc.sydney.id
  availability_zone       = local.sydney.azs[count.index]
  cidr_block              = local.sydney.public_cidrs[count.index]
  map_public_ip_on_launch = false

  tags = {
    Name = "${var.name}-sydney-public-${local.sydney.azs[count.index]}"
    tier = "public"
  }
}

resource "aws_subnet" "sydney_private" {
  provider = aws.sydney

  count = length(local.sydney.azs)

  vpc_id            = aws_vpc.sydney.id
  availability_zone = local.sydney.azs[count.index]
  cidr_block        = local.sydney.private_cidrs[count.index]

  tags = {
    Name = "${var.name}-sydney-private-${local.sydney.azs[count.index]}"
    tier = "private"
  }
}

resource "aws_route_table" "sydney_public" {
  provider = aws.sydney

  vpc_id = aws_vpc.sydney.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.sydney.id
  }

  tags = {
    Name = "${var.name}-sydney-public"
  }
}

resource "aws_route_table_association" "sydney_public" {
  provider = aws.sydney

  count = length(local.sydney.azs)

  subnet_id      = aws_subnet.sydney_public[count.index].id
  route_table_id = aws_route_table.sydney_public.id
}

# -- security groups -------------------------------------------------------------------------------
resource "aws_security_group" "sydney_alb" {
  provider = aws.sydney

  name        = "${var.name}-sydney-alb"
  description = "Public HTTP(S) to the load balancer"
  vpc_id      = aws_vpc.sydney.id

  ingress {
    description = "HTTP"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTPS"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    Name = "${var.name}-sydney-alb"
  }
}

resource "aws_security_group" "sydney_app" {
  provider = aws.sydney

  name        = "${var.name}-sydney-app"
  description = "Web tier: traffic from the load balancer only"
  vpc_id      = aws_vpc.sydney.id

  ingress {
    description     = "App port from the ALB"
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.sydney_alb.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [local.sydney.vpc_cidr]
  }

  tags = {
    Name = "${var.name}-sydney-app"
  }
}

resource "aws_security_group" "sydney_db" {
  provider = aws.sydney

  name        = "${var.name}-sydney-db"
  description = "MySQL from the web tier"
  vpc_id      = aws_vpc.sydney.id

  ingress {
    description     = "MySQL"
    from_port       = 3306
    to_port         = 3306
    protocol        = "tcp"
    security_groups = [aws_security_group.sydney_app.id]
  }

  tags = {
    Name = "${var.name}-sydney-db"
  }
}

resource "aws_security_group" "sydney_ingest" {
  provider = aws.sydney

  name        = "${var.name}-sydney-ingest"
  description = "SFTP from partners to the ingest server"
  vpc_id      = aws_vpc.sydney.id

  ingress {
    description = "SFTP"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.partner_cidrs
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    Name = "${var.name}-sydney-ingest"
  }
}

# -- load balancer and web tier --------------------------------------------------------------------
resource "aws_lb" "sydney" {
  provider = aws.sydney

  name                       = "${var.name}-sydney"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.sydney_alb.id]
  subnets                    = aws_subnet.sydney_public[*].id
  enable_deletion_protection = true

  tags = {
    Name = "${var.name}-sydney"
  }
}

resource "aws_lb_target_group" "sydney_app" {
  provider = aws.sydney

  name                 = "${var.name}-sydney-app"
  port                 = 8080
  protocol             = "HTTP"
  vpc_id               = aws_vpc.sydney.id
  deregistration_delay = 30

  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "sydney_http" {
  provider = aws.sydney

  load_balancer_arn = aws_lb.sydney.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.sydney_app.arn
  }
}

resource "aws_launch_template" "sydney_app" {
  provider = aws.sydney

  name_prefix            = "${var.name}-sydney-app-"
  image_id               = var.sydney_ami_id
  instance_type          = var.app_instance_type
  update_default_version = true
  vpc_security_group_ids = [aws_security_group.sydney_app.id]

  # Standard mode: the web tier runs under its t3 baseline, and surplus CPU credits are not billed.
  credit_specification {
    cpu_credits = "standard"
  }

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

  tag_specifications {
    resource_type = "instance"
    tags = {
      Name = "${var.name}-sydney-app"
      role = "app"
    }
  }

  tags = {
    Name = "${var.name}-sydney-app"
  }
}

resource "aws_autoscaling_group" "sydney_app" {
  provider = aws.sydney

  name                      = "${var.name}-sydney-app"
  min_size                  = 2
  max_size                  = 4
  desired_capacity          = 2
  vpc_zone_identifier       = aws_subnet.sydney_private[*].id
  target_group_arns         = [aws_lb_target_group.sydney_app.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 120

  launch_template {
    id      = aws_launch_template.sydney_app.id
    version = "$Latest"
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-sydney-app"
    propagate_at_launch = true
  }
}

# -- database --------------------------------------------------------------------------------------
resource "aws_db_subnet_group" "sydney" {
  provider = aws.sydney

  name       = "${var.name}-sydney-db"
  subnet_ids = aws_subnet.sydney_private[*].id

  tags = {
    Name = "${var.name}-sydney-db"
  }
}

resource "aws_db_instance" "sydney" {
  provider = aws.sydney

  identifier                  = "${var.name}-sydney-mysql"
  engine                      = "mysql"
  engine_version              = "8.0.39"
  instance_class              = var.db_instance_class
  allocated_storage           = var.db_allocated_storage
  storage_type                = "gp3"
  storage_encrypted           = true
  multi_az                    = true
  db_name                     = "shop"
  username                    = "shop_admin"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.sydney.name
  vpc_security_group_ids      = [aws_security_group.sydney_db.id]
  backup_retention_period     = 7
  backup_window               = "02:00-03:00"
  maintenance_window          = "sun:04:00-sun:05:00"
  copy_tags_to_snapshot       = true
  deletion_protection         = true
  skip_final_snapshot         = false
  final_snapshot_identifier   = "${var.name}-sydney-mysql-final"

  tags = {
    Name = "${var.name}-sydney-mysql"
  }
}

# -- ingest server, its public address and its data volumes ----------------------------------------
resource "aws_instance" "sydney_ingest" {
  provider = aws.sydney

  ami                    = var.sydney_ami_id
  instance_type          = var.ingest_instance_type
  subnet_id              = aws_subnet.sydney_public[0].id
  vpc_security_group_ids = [aws_security_group.sydney_ingest.id]
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
    Name = "${var.name}-sydney-ingest"
    role = "ingest"
  }
}

# Partners allow-list this address, so it must survive a replacement of the instance.
resource "aws_eip" "sydney_ingest" {
  provider = aws.sydney

  domain = "vpc"

  tags = {
    Name = "${var.name}-sydney-ingest"
  }
}

resource "aws_eip_association" "sydney_ingest" {
  provider = aws.sydney

  allocation_id = aws_eip.sydney_ingest.id
  instance_id   = aws_instance.sydney_ingest.id
}

# Incoming files wait here until they are processed.
resource "aws_ebs_volume" "sydney_spool" {
  provider = aws.sydney

  availability_zone = aws_instance.sydney_ingest.availability_zone
  type              = "gp2"
  size              = 200
  encrypted         = true

  tags = {
    Name = "${var.name}-sydney-spool"
  }
}

# Working set of the feed processor: 6,000 IOPS and 250 MiB/s (gp3 includes 3,000 and 125).
resource "aws_ebs_volume" "sydney_work" {
  provider = aws.sydney

  availability_zone = aws_instance.sydney_ingest.availability_zone
  type              = "gp3"
  size              = 500
  iops              = 6000
  throughput        = 250
  encrypted         = true

  tags = {
    Name = "${var.name}-sydney-work"
  }
}

# Write-ahead journal of the processor: small and latency-sensitive.
resource "aws_ebs_volume" "sydney_journal" {
  provider = aws.sydney

  availability_zone = aws_instance.sydney_ingest.availability_zone
  type              = "io2"
  size              = 100
  iops              = 3000
  encrypted         = true

  tags = {
    Name = "${var.name}-sydney-journal"
  }
}

resource "aws_volume_attachment" "sydney_spool" {
  provider = aws.sydney

  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.sydney_spool.id
  instance_id = aws_instance.sydney_ingest.id
}

resource "aws_volume_attachment" "sydney_work" {
  provider = aws.sydney

  device_name = "/dev/sdg"
  volume_id   = aws_ebs_volume.sydney_work.id
  instance_id = aws_instance.sydney_ingest.id
}

resource "aws_volume_attachment" "sydney_journal" {
  provider = aws.sydney

  device_name = "/dev/sdh"
  volume_id   = aws_ebs_volume.sydney_journal.id
  instance_id = aws_instance.sydney_ingest.id
}
