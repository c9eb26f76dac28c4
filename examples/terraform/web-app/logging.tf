resource "aws_cloudwatch_log_group" "app" {
  for_each = toset(var.services)

  name              = "/${var.name}/${each.key}"
  retention_in_days = 30

  tags = {
    service = each.key
  }
}
