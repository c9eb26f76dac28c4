resource "aws_db_subnet_group" "main" {
  name       = "${var.name}-db"
  subnet_ids = module.network.private_subnet_ids

  tags = {
    Name = "${var.name}-db"
  }
}

resource "aws_db_instance" "main" {
  identifier                   = "${var.name}-mysql"
  engine                       = "mysql"
  engine_version               = "8.0.39"
  instance_class               = var.db_instance_class
  allocated_storage            = 100
  max_allocated_storage        = 500
  storage_type                 = "gp3"
  storage_encrypted            = true
  multi_az                     = true
  db_name                      = "app"
  username                     = "app_admin"
  manage_master_user_password  = true
  db_subnet_group_name         = aws_db_subnet_group.main.name
  vpc_security_group_ids       = [aws_security_group.db.id]
  backup_retention_period      = 14
  backup_window                = "03:00-04:00"
  maintenance_window           = "sun:05:00-sun:06:00"
  performance_insights_enabled = true
  copy_tags_to_snapshot        = true
  deletion_protection          = true
  skip_final_snapshot          = false
  final_snapshot_identifier    = "${var.name}-mysql-final"
  apply_immediately            = true

  tags = {
    Name = "${var.name}-mysql"
  }
}
