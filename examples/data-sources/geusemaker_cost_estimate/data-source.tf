terraform {
  required_providers {
    geusemaker = {
      source = "geusemaker/geusemaker"
    }
  }
}

# The estimate makes no AWS call: with these settings the provider makes none
# either, so planning needs no network access (credentials are still resolved
# from the usual chain, but never checked).
provider "geusemaker" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
}

# Tier 3 (instance + ALB + CloudFront) on a GPU instance, in the provider's
# region, with the default 100 GiB root volume and PriceClass_100.
data "geusemaker_cost_estimate" "gpu" {
  tier          = 3
  instance_type = "g5.xlarge"

  cost_assumptions = {
    monthly_requests         = 2000000
    monthly_data_transfer_gb = 250
    efs_storage_gb           = 80
  }
}

# Tier 1 on a CPU instance in another region, every assumption at its default.
data "geusemaker_cost_estimate" "dev" {
  tier             = 1
  instance_type    = "t3.large"
  region           = "eu-west-1"
  root_volume_size = 50
}

output "gpu_monthly_usd" {
  description = "Null, with a warning, when the price table does not know the instance type or region."
  value       = data.geusemaker_cost_estimate.gpu.estimated_monthly_cost
}

output "gpu_breakdown" {
  value = {
    for line, cost in data.geusemaker_cost_estimate.gpu.cost_breakdown : line => "${cost.monthly} USD/month (${cost.detail})"
  }
}

output "dev_hourly_usd" {
  value = data.geusemaker_cost_estimate.dev.estimated_hourly_cost
}

output "price_table_date" {
  value = data.geusemaker_cost_estimate.gpu.price_table_date
}
