"""Resource types that cost nothing by themselves: listed as free, not as unsupported.

Each is free to create and keep (VPC plumbing, IAM, security groups, attachments, config objects);
costs they cause appear on the resources that use them.
"""

FREE_RESOURCE_TYPES: frozenset[str] = frozenset(
    {
        # networking plumbing
        "aws_vpc", "aws_subnet", "aws_route_table", "aws_route", "aws_route_table_association",
        "aws_main_route_table_association", "aws_internet_gateway", "aws_egress_only_internet_gateway",
        "aws_default_vpc", "aws_default_subnet", "aws_default_route_table", "aws_default_network_acl",
        "aws_default_security_group", "aws_network_acl", "aws_network_acl_rule", "aws_network_acl_association",
        "aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule", "aws_vpc_dhcp_options", "aws_vpc_dhcp_options_association",
        "aws_vpc_ipv4_cidr_block_association", "aws_vpc_endpoint_route_table_association",
        "aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter", "aws_eip_association",
        "aws_network_interface", "aws_network_interface_attachment", "aws_db_subnet_group",
        "aws_elasticache_subnet_group", "aws_redshift_subnet_group", "aws_vpn_gateway",
        "aws_vpn_gateway_attachment", "aws_vpn_gateway_route_propagation", "aws_customer_gateway",
        "aws_flow_log", "aws_placement_group", "aws_key_pair",
        # load balancer configuration
        "aws_lb_target_group", "aws_alb_target_group", "aws_lb_listener", "aws_alb_listener",
        "aws_lb_listener_rule", "aws_alb_listener_rule", "aws_lb_target_group_attachment",
        "aws_alb_target_group_attachment", "aws_lb_listener_certificate", "aws_autoscaling_attachment",
        "aws_autoscaling_policy", "aws_autoscaling_schedule", "aws_autoscaling_lifecycle_hook",
        "aws_autoscaling_notification", "aws_launch_template", "aws_launch_configuration",
        # identity and access
        "aws_iam_role", "aws_iam_policy", "aws_iam_role_policy", "aws_iam_role_policy_attachment",
        "aws_iam_policy_attachment", "aws_iam_user", "aws_iam_user_policy", "aws_iam_user_policy_attachment",
        "aws_iam_group", "aws_iam_group_policy", "aws_iam_group_policy_attachment", "aws_iam_group_membership",
        "aws_iam_instance_profile", "aws_iam_service_linked_role", "aws_iam_openid_connect_provider",
        "aws_iam_access_key", "aws_iam_account_password_policy", "aws_iam_user_login_profile",
        "aws_eks_addon", "aws_eks_identity_provider_config", "aws_eks_access_entry",
        "aws_eks_access_policy_association", "aws_eks_pod_identity_association",
        # configuration objects
        "aws_db_parameter_group", "aws_db_option_group", "aws_rds_cluster_parameter_group",
        "aws_elasticache_parameter_group", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_acl", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_cors_configuration", "aws_s3_bucket_logging", "aws_s3_bucket_notification",
        "aws_sns_topic_policy", "aws_sqs_queue_policy", "aws_kms_alias", "aws_kms_grant",
        "aws_cloudwatch_log_resource_policy", "aws_cloudwatch_log_subscription_filter",
        "aws_cloudwatch_event_target", "aws_lambda_permission", "aws_lambda_event_source_mapping",
        "aws_api_gateway_resource", "aws_api_gateway_method", "aws_api_gateway_integration",
        "aws_api_gateway_method_response", "aws_api_gateway_integration_response",
        "aws_api_gateway_deployment", "aws_api_gateway_account", "aws_ssm_document",
        "aws_acm_certificate", "aws_acm_certificate_validation", "aws_ecs_cluster",
        "aws_ecs_task_definition", "aws_ecs_cluster_capacity_providers", "aws_ecs_capacity_provider",
        "aws_ami", "aws_ami_copy", "aws_volume_attachment", "aws_proxy_protocol_policy",
        # providers that never bill
        "null_resource", "random_id", "random_string", "random_password", "random_pet", "random_integer",
        "random_shuffle", "random_uuid", "tls_private_key", "tls_self_signed_cert", "local_file",
        "local_sensitive_file", "time_sleep", "time_static", "time_rotating", "terraform_data",
        "template_file", "archive_file",
    }
)
