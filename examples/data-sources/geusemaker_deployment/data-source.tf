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

variable "deployment_name" {
  description = "Name of a deployment in us-east-1 (see the geusemaker_deployments data source)."
  type        = string
  default     = "ai-stack"
}

# Inspect a deployment, for example one another team's configuration manages:
# every attribute of the geusemaker_deployment resource, plus the live
# CloudFront origin and cache behaviors of a tier-3 deployment.
data "geusemaker_deployment" "this" {
  name = var.deployment_name
}

output "summary" {
  value = {
    tier          = data.geusemaker_deployment.this.tier
    status        = data.geusemaker_deployment.this.status
    url           = data.geusemaker_deployment.this.url
    instance_type = data.geusemaker_deployment.this.instance_type
    monthly_usd   = data.geusemaker_deployment.this.estimated_monthly_cost
  }
}

output "service_urls" {
  value = data.geusemaker_deployment.this.service_urls
}

# Null below tier 3.
output "cloudfront" {
  value = data.geusemaker_deployment.this.tier == 3 ? {
    domain    = data.geusemaker_deployment.this.cloudfront_domain_name
    status    = data.geusemaker_deployment.this.cloudfront_status
    origin    = data.geusemaker_deployment.this.cloudfront_origin
    behaviors = [for b in data.geusemaker_deployment.this.cloudfront_cache_behaviors : "${b.path_pattern}: cache policy ${b.cache_policy_id}"]
  } : null
}

# Null without the GPU workload, and until the instance has reported its GPUs.
output "gpu" {
  value = data.geusemaker_deployment.this.gpu_enabled ? {
    model      = data.geusemaker_deployment.this.gpu_model
    count      = data.geusemaker_deployment.this.gpu_count
    memory_mib = data.geusemaker_deployment.this.gpu_memory_mib
    health     = data.geusemaker_deployment.this.gpu_health_status
  } : null
}
