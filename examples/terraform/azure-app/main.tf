# azure-app: a web tier, an internal API, a Kubernetes cluster and their data in East US.
#
# plan.json beside this file is what `terraform show -json tfplan` prints for a first apply of this
# configuration (Terraform 1.9.5, hashicorp/azurerm 4.x). Terraform cannot download providers here, so
# it was written by hand to follow this code; attributes that do not affect cost are abbreviated.
#
# Priced resources: VM scale set (web), bastion VM, data disk, AKS cluster, PostgreSQL flexible
# server, storage account (in the paired region, West US), two public IPs, Standard load balancer,
# NAT gateway, App Service plan.
# The rest (resource group, network, associations, LB pool / probe / rule) costs nothing by itself.

terraform {
  required_version = ">= 1.6"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

variable "location" {
  type    = string
  default = "East US"
}

locals {
  tags = {
    app         = "azure-app"
    env         = "prod"
    cost-center = "CC-3100"
  }
}

resource "azurerm_resource_group" "app" {
  name     = "rg-azure-app-prod"
  location = var.location
  tags     = local.tags
}

# -- network ------------------------------------------------------------------------------------
resource "azurerm_virtual_network" "app" {
  name                = "vnet-azure-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  address_space       = ["10.20.0.0/16"]
  tags                = local.tags
}

resource "azurerm_subnet" "web" {
  name                 = "snet-web"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.1.0/24"]
}

resource "azurerm_subnet" "aks" {
  name                 = "snet-aks"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.16.0/20"]
}

resource "azurerm_public_ip" "nat" {
  name                = "pip-nat"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  allocation_method   = "Static"
  sku                 = "Standard"
  tags                = local.tags
}

resource "azurerm_nat_gateway" "egress" {
  name                = "ng-egress"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  sku_name            = "Standard"
  tags                = local.tags
}

resource "azurerm_nat_gateway_public_ip_association" "egress" {
  nat_gateway_id       = azurerm_nat_gateway.egress.id
  public_ip_address_id = azurerm_public_ip.nat.id
}

resource "azurerm_subnet_nat_gateway_association" "web" {
  subnet_id      = azurerm_subnet.web.id
  nat_gateway_id = azurerm_nat_gateway.egress.id
}

# -- web tier: a Standard load balancer in front of a scale set ---------------------------------
resource "azurerm_public_ip" "web" {
  name                = "pip-web"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  allocation_method   = "Static"
  sku                 = "Standard"
  tags                = local.tags
}

resource "azurerm_lb" "web" {
  name                = "lb-web"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  sku                 = "Standard"
  tags                = local.tags

  frontend_ip_configuration {
    name                 = "public"
    public_ip_address_id = azurerm_public_ip.web.id
  }
}

resource "azurerm_lb_backend_address_pool" "web" {
  name            = "web"
  loadbalancer_id = azurerm_lb.web.id
}

resource "azurerm_lb_probe" "https" {
  name            = "https"
  loadbalancer_id = azurerm_lb.web.id
  protocol        = "Tcp"
  port            = 443
}

resource "azurerm_lb_rule" "https" {
  name                           = "https"
  loadbalancer_id                = azurerm_lb.web.id
  protocol                       = "Tcp"
  frontend_port                  = 443
  backend_port                   = 443
  frontend_ip_configuration_name = "public"
  backend_address_pool_ids       = [azurerm_lb_backend_address_pool.web.id]
  probe_id                       = azurerm_lb_probe.https.id
}

resource "azurerm_linux_virtual_machine_scale_set" "web" {
  name                = "vmss-web"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  sku                 = "Standard_F2"
  instances           = 3
  admin_username      = "azureuser"
  tags                = local.tags

  admin_ssh_key {
    username   = "azureuser"
    public_key = file("~/.ssh/id_ed25519.pub")
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "StandardSSD_LRS"
    disk_size_gb         = 30
  }

  network_interface {
    name    = "web"
    primary = true

    ip_configuration {
      name                                   = "internal"
      primary                                = true
      subnet_id                              = azurerm_subnet.web.id
      load_balancer_backend_address_pool_ids = [azurerm_lb_backend_address_pool.web.id]
    }
  }
}

# -- operations -----------------------------------------------------------------------------------
resource "azurerm_network_interface" "bastion" {
  name                = "nic-bastion"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.web.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_linux_virtual_machine" "bastion" {
  name                  = "vm-bastion"
  location              = azurerm_resource_group.app.location
  resource_group_name   = azurerm_resource_group.app.name
  size                  = "Standard_B1s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.bastion.id]
  tags                  = local.tags

  admin_ssh_key {
    username   = "azureuser"
    public_key = file("~/.ssh/id_ed25519.pub")
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 30
  }
}

resource "azurerm_managed_disk" "reports" {
  name                 = "disk-reports"
  location             = azurerm_resource_group.app.location
  resource_group_name  = azurerm_resource_group.app.name
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = 100
  tags                 = local.tags
}

# -- platform -------------------------------------------------------------------------------------
resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks-azure-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  dns_prefix          = "azure-app"
  sku_tier            = "Standard"
  tags                = local.tags

  default_node_pool {
    name            = "system"
    vm_size         = "Standard_DS2_v2"
    node_count      = 3
    os_disk_size_gb = 128
    vnet_subnet_id  = azurerm_subnet.aks.id
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin    = "azure"
    load_balancer_sku = "standard"
  }
}

resource "azurerm_service_plan" "api" {
  name                = "asp-api"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  os_type             = "Linux"
  sku_name            = "P1v3"
  worker_count        = 2
  tags                = local.tags
}

# -- data -----------------------------------------------------------------------------------------
resource "azurerm_postgresql_flexible_server" "db" {
  name                          = "psql-azure-app"
  location                      = azurerm_resource_group.app.location
  resource_group_name           = azurerm_resource_group.app.name
  version                       = "16"
  sku_name                      = "B_Standard_B1ms"
  storage_mb                    = 32768
  backup_retention_days         = 7
  administrator_login           = "appadmin"
  administrator_password        = var.db_password
  public_network_access_enabled = false
  zone                          = "1"
  tags                          = local.tags
}

variable "db_password" {
  type      = string
  sensitive = true
}

# Off-site copies of database exports and reports, in East US's paired region.
resource "azurerm_storage_account" "backups" {
  name                     = "stazureappbackups"
  location                 = "West US"
  resource_group_name      = azurerm_resource_group.app.name
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  access_tier              = "Hot"
  min_tls_version          = "TLS1_2"
  tags                     = local.tags
}
