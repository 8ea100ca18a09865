# The `make demo` configuration: runs against the bundled AWS emulator
# (cmd/awsemu), never against a real AWS account. scripts/demo.sh starts the
# emulator and passes its URL in emulator_endpoint.

terraform {
  required_providers {
    geusemaker = {
      source = "geusemaker/geusemaker"
    }
  }
}

variable "emulator_endpoint" {
  description = "Base URL of the AWS emulator, e.g. http://127.0.0.1:4566."
  type        = string
}

variable "region" {
  description = "AWS region to emulate."
  type        = string
  default     = "us-east-1"
}

provider "geusemaker" {
  region = var.region

  # The emulator runs its clock 600 times faster than AWS: a CloudFront
  # rollout takes 1.5 s, not 15 minutes. Poll at least every second instead
  # of on AWS's schedule (first CloudFront poll after two minutes).
  max_poll_interval = "1s"

  # The emulator's built-in key pair (AWS's documented example keys).
  access_key = "AKIAIOSFODNN7EXAMPLE"
  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

  endpoints {
    acm           = var.emulator_endpoint
    cloudfront    = var.emulator_endpoint
    ec2           = var.emulator_endpoint
    efs           = var.emulator_endpoint
    elbv2         = var.emulator_endpoint
    iam           = var.emulator_endpoint
    route53       = var.emulator_endpoint
    servicequotas = var.emulator_endpoint
    ssm           = var.emulator_endpoint
    sts           = var.emulator_endpoint
    wafv2         = var.emulator_endpoint
  }
}

data "geusemaker_caller_identity" "current" {}

# Tier 3: a GPU instance with EFS in a dedicated VPC, an Application Load
# Balancer, and CloudFront in front of it; only CloudFront can reach the
# load balancer.
resource "geusemaker_deployment" "demo" {
  name          = "demo"
  tier          = 3
  instance_type = "g5.xlarge"

  # The n8n owner's login; its password and the other services' keys are
  # generated (service_credentials).
  n8n_owner_email = "demo@example.com"

  cdn = {
    price_class = "PriceClass_100"
  }

  tags = {
    project = "geusemaker-demo"
  }
}

output "caller_arn" {
  description = "Identity the provider runs as (the emulator's built-in user)."
  value       = data.geusemaker_caller_identity.current.arn
}

output "cloudfront_domain_name" {
  description = "The deployment's CloudFront domain."
  value       = geusemaker_deployment.demo.cloudfront_domain_name
}

output "url" {
  description = "Where users reach the stack."
  value       = geusemaker_deployment.demo.url
}

output "service_urls" {
  description = "Each service's URL through CloudFront."
  value       = geusemaker_deployment.demo.service_urls
}

output "ollama_api_key" {
  description = "Bearer key of /api/ollama/ (scripts/demo.sh uses it)."
  value       = geusemaker_deployment.demo.service_credentials["ollama_api_key"]
  sensitive   = true
}

output "gpu" {
  description = "What the instance reported about its GPU at boot."
  value = {
    model      = geusemaker_deployment.demo.gpu_model
    count      = geusemaker_deployment.demo.gpu_count
    memory_mib = geusemaker_deployment.demo.gpu_memory_mib
    health     = geusemaker_deployment.demo.gpu_health_status
  }
}

output "estimated_monthly_cost_usd" {
  description = "On-demand estimate, known at plan time."
  value       = geusemaker_deployment.demo.estimated_monthly_cost
}

output "components" {
  description = "Ids of the AWS objects the deployment consists of."
  value = {
    vpc_id          = geusemaker_deployment.demo.vpc_id
    instance_id     = geusemaker_deployment.demo.instance_id
    efs_id          = geusemaker_deployment.demo.efs_id
    alb_dns_name    = geusemaker_deployment.demo.alb_dns_name
    distribution_id = geusemaker_deployment.demo.cloudfront_distribution_id
  }
}
