"""AWS resource types that accept `tags`, for code without a plan (HCL, snippets).

A plan tells us directly: taggable types carry `tags`/`tags_all` (null when unset). Without a
plan, an absent `tags` argument must still count as "untagged" for these types.
"""

KNOWN_TAGGABLE: frozenset[str] = frozenset({
    "aws_instance", "aws_ebs_volume", "aws_ebs_snapshot", "aws_launch_template", "aws_autoscaling_group",
    "aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_nat_gateway", "aws_eip", "aws_lb",
    "aws_alb", "aws_elb", "aws_lb_target_group", "aws_eks_cluster", "aws_eks_node_group",
    "aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_s3_bucket", "aws_lambda_function",
    "aws_dynamodb_table", "aws_efs_file_system", "aws_ecs_service", "aws_ecs_cluster", "aws_ecs_task_definition",
    "aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm", "aws_kms_key", "aws_secretsmanager_secret",
    "aws_sqs_queue", "aws_sns_topic", "aws_route53_zone", "aws_cloudfront_distribution", "aws_api_gateway_rest_api",
    "aws_apigatewayv2_api", "aws_vpn_connection", "aws_vpc_endpoint", "aws_ec2_transit_gateway",
    "aws_ec2_transit_gateway_vpc_attachment", "aws_opensearch_domain", "aws_elasticsearch_domain",
    "aws_redshift_cluster", "aws_msk_cluster", "aws_kinesis_stream", "aws_ecr_repository", "aws_vpc", "aws_subnet",
    "aws_security_group", "aws_internet_gateway", "aws_route_table", "aws_network_acl", "aws_network_interface",
    "aws_iam_role", "aws_iam_policy", "aws_iam_user", "aws_acm_certificate", "aws_sfn_state_machine",
    "aws_lb_listener", "aws_alb_listener", "aws_lb_listener_rule", "aws_alb_target_group", "aws_db_subnet_group",
    "aws_db_parameter_group", "aws_db_option_group", "aws_elasticache_subnet_group", "aws_iam_instance_profile",
    "aws_iam_openid_connect_provider", "aws_key_pair", "aws_placement_group", "aws_vpc_peering_connection",
    "aws_egress_only_internet_gateway", "aws_customer_gateway", "aws_vpn_gateway", "aws_flow_log",
    "aws_vpc_dhcp_options", "aws_default_vpc", "aws_default_subnet", "aws_default_security_group",
    "aws_default_route_table", "aws_default_network_acl", "aws_eks_addon", "aws_eks_fargate_profile",
    "aws_ssm_parameter", "aws_cloudwatch_event_rule", "aws_cloudwatch_event_bus", "aws_ami", "aws_ec2_host",
    "aws_lightsail_instance", "aws_kinesis_firehose_delivery_stream", "aws_glue_job", "aws_codebuild_project",
    "aws_mq_broker", "aws_docdb_cluster", "aws_neptune_cluster", "aws_fsx_lustre_file_system", "aws_wafv2_web_acl",
})
