"""Google resource types that cost nothing by themselves (listed as free, not as unsupported).

Networks and their plumbing, firewalls, IAM, service accounts, configuration objects, templates and
health checks: their costs, if any, appear on the resources that use them (instances, forwarding
rules, NAT gateways, buckets).
"""

FREE_RESOURCE_TYPES: frozenset[str] = frozenset(
    {
        # networking plumbing
        "google_compute_network", "google_compute_subnetwork", "google_compute_firewall", "google_compute_route",
        "google_compute_router", "google_compute_router_interface", "google_compute_router_peer",
        "google_compute_network_peering", "google_compute_shared_vpc_host_project",
        "google_compute_shared_vpc_service_project", "google_compute_firewall_policy",
        "google_compute_firewall_policy_rule", "google_compute_firewall_policy_association",
        "google_compute_network_firewall_policy", "google_compute_network_firewall_policy_rule",
        "google_compute_network_firewall_policy_association", "google_dns_record_set",
        # load balancer configuration (billed through forwarding rules and data processed)
        "google_compute_health_check", "google_compute_region_health_check", "google_compute_http_health_check",
        "google_compute_https_health_check", "google_compute_backend_service", "google_compute_region_backend_service",
        "google_compute_backend_bucket", "google_compute_url_map", "google_compute_region_url_map",
        "google_compute_target_http_proxy", "google_compute_target_https_proxy", "google_compute_target_pool",
        "google_compute_ssl_certificate", "google_compute_managed_ssl_certificate", "google_compute_ssl_policy",
        # instance configuration
        "google_compute_instance_template", "google_compute_region_instance_template",
        "google_compute_instance_group", "google_compute_resource_policy",
        "google_compute_disk_resource_policy_attachment", "google_compute_attached_disk",
        "google_compute_project_metadata", "google_compute_project_metadata_item",
        # identity and access
        "google_service_account", "google_service_account_key", "google_service_account_iam_member",
        "google_service_account_iam_binding", "google_service_account_iam_policy", "google_project_iam_member",
        "google_project_iam_binding", "google_project_iam_policy", "google_project_iam_custom_role",
        "google_project_iam_audit_config", "google_organization_iam_member", "google_organization_iam_binding",
        "google_folder_iam_member", "google_folder_iam_binding", "google_storage_bucket_iam_member",
        "google_storage_bucket_iam_binding", "google_storage_bucket_iam_policy", "google_compute_instance_iam_member",
        "google_compute_subnetwork_iam_member", "google_cloudfunctions_function_iam_member",
        "google_cloudfunctions_function_iam_binding", "google_cloud_run_service_iam_member",
        "google_pubsub_topic_iam_member", "google_pubsub_subscription_iam_member",
        "google_secret_manager_secret_iam_member", "google_kms_crypto_key_iam_member",
        "google_kms_key_ring_iam_member", "google_artifact_registry_repository_iam_member",
        "google_iam_workload_identity_pool", "google_iam_workload_identity_pool_provider",
        "google_os_login_ssh_public_key",
        # projects, APIs and configuration objects
        "google_project", "google_folder", "google_project_service", "google_project_default_service_accounts",
        "google_kms_key_ring", "google_sql_database", "google_sql_user", "google_sql_ssl_cert",
        "google_storage_bucket_acl", "google_storage_default_object_acl", "google_storage_object_acl",
        "google_storage_notification", "google_logging_project_exclusion", "google_billing_budget",
        "google_monitoring_notification_channel",
    }
)
