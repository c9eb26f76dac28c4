"""azurerm types that cost nothing by themselves: listed as free, not as unsupported.

Networking plumbing, identity, configuration objects and associations. What they cause to be
billed appears on the resources that use them (a load balancer's rules are priced on the load
balancer, a NAT gateway's addresses on the public IPs, a logical SQL server's databases on them).
"""

FREE_RESOURCE_TYPES: frozenset[str] = frozenset(
    {
        # resource organisation and identity
        "azurerm_resource_group", "azurerm_management_lock", "azurerm_user_assigned_identity",
        "azurerm_role_assignment", "azurerm_role_definition", "azurerm_key_vault_access_policy",
        "azurerm_federated_identity_credential",
        # virtual networks
        "azurerm_virtual_network", "azurerm_subnet", "azurerm_network_security_group",
        "azurerm_network_security_rule", "azurerm_subnet_network_security_group_association",
        "azurerm_application_security_group", "azurerm_route_table", "azurerm_route",
        "azurerm_subnet_route_table_association", "azurerm_network_interface",
        "azurerm_network_interface_security_group_association",
        "azurerm_network_interface_application_security_group_association",
        "azurerm_network_interface_backend_address_pool_association",
        "azurerm_subnet_nat_gateway_association", "azurerm_nat_gateway_public_ip_association",
        "azurerm_nat_gateway_public_ip_prefix_association", "azurerm_private_dns_zone_virtual_network_link",
        "azurerm_availability_set", "azurerm_proximity_placement_group",
        # load balancer configuration (rules are priced on the load balancer)
        "azurerm_lb_backend_address_pool", "azurerm_lb_backend_address_pool_address", "azurerm_lb_probe",
        "azurerm_lb_rule", "azurerm_lb_outbound_rule", "azurerm_lb_nat_rule", "azurerm_lb_nat_pool",
        # data and compute configuration
        "azurerm_mssql_server", "azurerm_mssql_firewall_rule", "azurerm_mssql_virtual_network_rule",
        "azurerm_sql_firewall_rule", "azurerm_postgresql_configuration", "azurerm_postgresql_firewall_rule",
        "azurerm_postgresql_database", "azurerm_postgresql_flexible_server_configuration",
        "azurerm_postgresql_flexible_server_database", "azurerm_postgresql_flexible_server_firewall_rule",
        "azurerm_storage_container", "azurerm_storage_account_network_rules", "azurerm_virtual_machine_extension",
        "azurerm_virtual_machine_data_disk_attachment", "azurerm_managed_disk_sas_token",
        "azurerm_kubernetes_cluster_extension",
    }
)
