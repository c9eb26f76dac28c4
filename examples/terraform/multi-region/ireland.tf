# eu-west-1 (Ireland): the default provider configuration.

# -- network ---------------------------------------------------------------------------------------
resource "aws_vpc" "eu" {
  cidr_block           = local.eu.vpc_cidr
  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = {
    Name = "${var.name}-eu"
  }
}

resource "aws_internet_gateway" "eu" {
  vpc_id = aws_vpc.eu.id

  tags = {
    Name = "${var.name}-eu"
  }
}

resource "aws_subnet" "eu_public" {
  count = length(local.eu.azs)

  vpc_id                  = aws_vpc.eu.id
  availability_zone       = local.eu.azs[count.index]
  cidr_block              = local.eu.public_cidrs[count.index]
  map_public_ip_on_launch = false

  tags = {
    Name = "${var.name}-eu-public-${local.eu.azs[count.index]}"
    tier = "public"
  }
}

resource "aws_subnet" "eu_private" {
  count = length(local.eu.azs)

  vpc_id            = aws_vpc.eu.id
  availability_zone = local.eu.azs[count.index]
  cidr_block        = local.eu.private_cidrs[count.index]

  tags = {
    Name = "${var.name}-eu-private-${local.eu.azs[count.index]}"
    tier = "private"
  }
}

resource "aws_route_table" "eu_public" {
  vpc_id = aws_vpc.eu.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.eu.id
  }

  tags = {
    Name = "${var.name}-eu-public"
  }
}

resource "aws_route_table_association" "eu_public" {
  count = length(local.eu.azs)

  subnet_id      = aws_subnet.eu_public[count.index].id
  route_table_id = aws_route_table.eu_public.id
}

# -- security groups -------------------------------------------------------------------------------
resource "aws_security_group" "eu_alb" {
  name        = "${var.name}-eu-alb"
  description = "Public HTTP(S) to the load balancer"
  vpc_id      = aws_vpc.eu.id

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
    Name = "${var.name}-eu-alb"
  }
}

resource "aws_security_group" "eu_app" {
  name        = "${var.name}-eu-app"
  description = "Web tier: traffic from the load balancer only"
  vpc_id      = aws_vpc.eu.id

  ingress {
    description     = "App port from the ALB"
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.eu_alb.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [local.eu.vpc_cidr]
  }

  tags = {
    Name = "${var.name}-eu-app"
  }
}

resource "aws_security_group" "eu_db" {
  name        = "${var.name}-eu-db"
  description = "MySQL from the web tier"
  vpc_id      = aws_vpc.eu.id

  ingress {
    description     = "MySQL"
    from_port       = 3306
    to_port         = 3306
    protocol        = "tcp"
    security_groups = [aws_security_group.eu_app.id]
  }

  tags = {
    Name = "${var.name}-eu-db"
  }
}

resource "aws_security_group" "eu_ingest" {
  name        = "${var.name}-eu-ingest"
  description = "SFTP from partners to the ingest server"
  vpc_id      = aws_vpc.eu.id

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
    Name = "${var.name}-eu-ingest"
  }
}

# -- load balancer and web tier --------------------------------------------------------------------
resource "aws_lb" "eu" {
  name                       = "${var.name}-eu"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.eu_alb.id]
  subnets                    = aws_subnet.eu_public[*].id
  enable_deletion_protection = true

  tags = {
    Name = "${var.name}-eu"
  }
}

resource "aws_lb_target_group" "eu_app" {
  name                 = "${var.name}-eu-app"
  port                 = 8080
  protocol             = "HTTP"
  vpc_id               = aws_vpc.eu.id
  deregistration_delay = 30

  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "eu_http" {
  load_balancer_arn = aws_lb.eu.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.eu_app.arn
  }
}

resource "aws_launch_template" "eu_app" {
  name_prefix            = "${var.name}-eu-app-"
  image_id               = var.eu_ami_id
  instance_type          = var.app_instance_type
  update_default_version = true
  vpc_security_group_ids = [aws_security_group.eu_app.id]

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
      Name = "${var.name}-eu-app"
      role = "app"
    }
  }

  tags = {
    Name = "${var.name}-eu-app"
  }
}

resource "aws_autoscaling_group" "eu_app" {
  name                      = "${var.name}-eu-app"
  min_size                  = 2
  max_size                  = 4
  desired_capacity          = 2
  vpc_zone_identifier       = aws_subnet.eu_private[*].id
  target_group_arns         = [aws_lb_target_group.eu_app.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 120

  launch_template {
    id      = aws_launch_template.eu_app.id
    version = "$Latest"
  }

  tag {
    key                 = "Name"
    value               = "${var.name}-eu-app"
    propagate_at_launch = true
  }
}

# -- database --------------------------------------------------------------------------------------
resource "aws_db_subnet_group" "eu" {
  name       = "${var.name}-eu-db"
  subnet_ids = aws_subnet.eu_private[*].id

  tags = {
    Name = "${var.name}-eu-db"
  }
}

resource "aws_db_instance" "eu" {
  identifier                  = "${var.name}-eu-mysql"
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
  db_subnet_group_name        = aws_db_subnet_group.eu.name
  vpc_security_group_ids      = [aws_security_group.eu_db.id]
  backup_retention_period     = 7
  backup_window               = "02:00-03:00"
  maintenance_window          = "sun:04:00-sun:05:00"
  copy_tags_to_snapshot       = true
  deletion_protection         = true
  skip_final_snapshot         = false
  final_snapshot_identifier   = "${var.name}-eu-mysql-final"

  tags = {
    Name = "${var.name}-eu-mysql"
  }
}

# -- ingest server, its public address and its data volumes ----------------------------------------
resource "aws_instance" "eu_ingest" {
  ami                    = var.eu_ami_id
  instance_type          = var.ingest_instance_type
  subnet_id              = aws_subnet.eu_public[0].id
  vpc_security_group_ids = [aws_security_group.eu_ingest.id]
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
    Name = "${var.name}-eu-ingest"
    role = "ingest"
  }
}

# Partners allow-list this address, so it must survive a replacement of the instance.
resource "aws_eip" "eu_ingest" {
  domain = "vpc"

  tags = {
    Name = "${var.name}-eu-ingest"
  }
}

resource "aws_eip_association" "eu_ingest" {
  allocation_id = aws_eip.eu_ingest.id
  instance_id   = aws_instance.eu_ingest.id
}

# Incoming files wait here until they are processed.
resource "aws_ebs_volume" "eu_spool" {
  availability_zone = aws_instance.eu_ingest.availability_zone
  type              = "gp2"
  size              = 200
  encrypted         = true

  tags = {
    Name = "${var.name}-eu-spool"
  }
}

# Working set of the feed processor: 6,000 IOPS and 250 MiB/s (gp3 includes 3,000 and 125).
resource "aws_ebs_volume" "eu_work" {
  availability_zone = aws_instance.eu_ingest.availability_zone
  type              = "gp3"
  size              = 500
  iops              = 6000
  throughput        = 250
  encrypted         = true

  tags = {
    Name = "${var.name}-eu-work"
  }
}

# Write-ahead journal of the processor: small and latency-sensitive.
resource "aws_ebs_volume" "eu_journal" {
  availability_zone = aws_instance.eu_ingest.availability_zone
  type              = "io2"
  size              = 100
  iops              = 3000
  encrypted         = true

  tags = {
    Name = "${var.name}-eu-journal"
  }
}

resource "aws_volume_attachment" "eu_spool" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.eu_spool.id
  instance_id = aws_instance.eu_ingest.id
}

resource "aws_volume_attachment" "eu_work" {
  device_name = "/dev/sdg"
  volume_id   = aws_ebs_volume.eu_work.id
  instance_id = aws_instance.eu_ingest.id
}

resource "aws_volume_attachment" "eu_journal" {
  device_name = "/dev/sdh"
  volume_id   = aws_ebs_volume.eu_journal.id
  instance_id = aws_instance.eu_ingest.id
}
