terraform {
  required_version = ">= 1.8.0"
  required_providers {
    geusemaker = {
      source = "geusemaker/geusemaker"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

# Functions never see the provider configuration: without a third argument
# the function prices us-east-1. Pass the region you deploy to explicitly.
locals {
  candidates = ["g4dn.xlarge", "g5.xlarge", "g6.xlarge"]

  monthly_usd = {
    for type in local.candidates : type => provider::geusemaker::estimate_monthly_cost(3, type)
  }
  cheapest_gpu = [for type, usd in local.monthly_usd : type if usd == min(values(local.monthly_usd)...)][0]
}

output "tier3_gpu_monthly_usd_us_east_1" {
  value = local.monthly_usd
}

output "cheapest_gpu" {
  value = local.cheapest_gpu
}

output "tier2_t3_large_monthly_usd" {
  value = provider::geusemaker::estimate_monthly_cost(2, "t3.large", var.region)
}
