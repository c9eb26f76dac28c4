# gcp-app: a small web platform on Google Cloud (us-central1): GKE, Cloud SQL, Memorystore, a bastion VM,
# a bucket, a function and a network load balancer rule. plan.json is what `terraform show -json` prints
# for a first apply (everything is created).

terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 5.40"
    }
  }
}

provider "google" {
  project = "acme-web-prod"
  region  = "us-central1"
}

resource "google_compute_network" "main" {
  name                    = "web-prod"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "app" {
  name          = "web-prod-app"
  ip_cidr_range = "10.10.0.0/20"
  region        = "us-central1"
  network       = google_compute_network.main.id
}

resource "google_compute_firewall" "https" {
  name          = "web-prod-allow-https"
  network       = google_compute_network.main.name
  source_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "tcp"
    ports    = ["443"]
  }
}

resource "google_compute_router" "main" {
  name    = "web-prod-router"
  region  = "us-central1"
  network = google_compute_network.main.id
}

resource "google_compute_router_nat" "nat" {
  name                               = "web-prod-nat"
  router                             = google_compute_router.main.name
  region                             = "us-central1"
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
}

resource "google_compute_address" "bastion" {
  name         = "web-prod-bastion"
  region       = "us-central1"
  address_type = "EXTERNAL"
}

# Reserved for a future partner VPN endpoint: nothing uses it yet, so it bills as an unused address.
resource "google_compute_address" "reserved" {
  name         = "web-prod-partner-vpn"
  region       = "us-central1"
  address_type = "EXTERNAL"
}

resource "google_compute_instance" "bastion" {
  name         = "web-prod-bastion"
  machine_type = "f1-micro"
  zone         = "us-central1-a"

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
      size  = 20
      type  = "pd-standard"
    }
  }

  network_interface {
    subnetwork = google_compute_subnetwork.app.id
    access_config {
      nat_ip = google_compute_address.bastion.address
    }
  }

  service_account {
    email  = google_service_account.app.email
    scopes = ["cloud-platform"]
  }
}

resource "google_compute_disk" "data" {
  name = "web-prod-data"
  type = "pd-ssd"
  size = 200
  zone = "us-central1-a"
}

resource "google_container_cluster" "main" {
  name                     = "web-prod"
  location                 = "us-central1"
  node_locations           = ["us-central1-a", "us-central1-b"]
  network                  = google_compute_network.main.id
  subnetwork               = google_compute_subnetwork.app.id
  remove_default_node_pool = true
  initial_node_count       = 1
  deletion_protection      = true
}

resource "google_container_node_pool" "workers" {
  name       = "workers"
  cluster    = google_container_cluster.main.id
  location   = "us-central1"
  node_count = 1

  autoscaling {
    min_node_count = 1
    max_node_count = 3
  }

  node_config {
    machine_type    = "custom-4-8192"
    disk_size_gb    = 100
    disk_type       = "pd-balanced"
    service_account = google_service_account.app.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
  }
}

resource "google_sql_database_instance" "db" {
  name                = "web-prod-db"
  database_version    = "POSTGRES_15"
  region              = "us-central1"
  deletion_protection = true

  settings {
    tier              = "db-custom-2-7680"
    edition           = "ENTERPRISE"
    availability_type = "REGIONAL"
    disk_size         = 50
    disk_type         = "PD_SSD"

    backup_configuration {
      enabled = true
    }
  }
}

resource "google_redis_instance" "cache" {
  name           = "web-prod-cache"
  tier           = "STANDARD_HA"
  memory_size_gb = 5
  region         = "us-central1"
  redis_version  = "REDIS_7_0"
}

resource "google_storage_bucket" "assets" {
  name                        = "acme-web-prod-assets"
  location                    = "EU"
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
}

resource "google_cloudfunctions_function" "thumbnailer" {
  name                  = "thumbnailer"
  runtime               = "python312"
  region                = "us-central1"
  available_memory_mb   = 256
  entry_point           = "make_thumbnail"
  source_archive_bucket = google_storage_bucket.assets.name
  source_archive_object = "functions/thumbnailer.zip"
  trigger_http          = true
}

resource "google_compute_forwarding_rule" "web" {
  name                  = "web-prod-https"
  region                = "us-central1"
  load_balancing_scheme = "EXTERNAL"
  port_range            = "443"
  ip_protocol           = "TCP"
}

resource "google_service_account" "app" {
  account_id   = "web-prod-app"
  display_name = "web-prod application"
}

resource "google_project_iam_member" "app_sql" {
  project = "acme-web-prod"
  role    = "roles/cloudsql.client"
  member  = "serviceAccount:${google_service_account.app.email}"
}
