terraform {
  required_providers {
    geusemaker = {
      source = "geusemaker/geusemaker"
    }
  }
}

provider "geusemaker" {
  region = "us-east-1"
}

# Every GeuseMaker deployment in us-east-1, managed here or not.
data "geusemaker_deployments" "all" {}

# Only the tier-3 (CloudFront) deployments.
data "geusemaker_deployments" "cdn" {
  tier = 3
}

# Deployments missing a component: the next apply of their configuration
# recreates it, or a destroy removes the rest.
data "geusemaker_deployments" "degraded" {
  status = "degraded"
}

output "deployment_names" {
  value = data.geusemaker_deployments.all.names
}

output "urls" {
  value = { for d in data.geusemaker_deployments.all.deployments : d.name => d.url }
}

output "cloudfront_domains" {
  value = { for d in data.geusemaker_deployments.cdn.deployments : d.name => d.cloudfront_domain_name }
}

output "gpu_deployments" {
  value = [for d in data.geusemaker_deployments.all.deployments : "${d.name} (${d.instance_type}, since ${d.created_at})" if d.gpu_enabled]
}

output "degraded" {
  value = data.geusemaker_deployments.degraded.names
}
