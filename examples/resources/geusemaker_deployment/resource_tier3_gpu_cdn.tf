# Tier 3: a GPU instance behind a load balancer that only CloudFront can
# reach (managed prefix list + a secret origin header). CloudFront rollouts
# take 5-15 minutes; the default timeouts for tier 3 are 90 minutes.
resource "geusemaker_deployment" "gpu" {
  name          = "ai-gpu"
  tier          = 3
  instance_type = "g5.xlarge"

  # The n8n owner's login; the password is generated (service_credentials).
  n8n_owner_email = "ops@example.com"
  # Change to generate new credentials (replaces only the instance).
  credentials_rotation = "2026-10"

  cdn = {
    price_class     = "PriceClass_100"
    aliases         = ["ai.example.com"]
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
  }

  efs = {
    retain_on_delete = true # keep the models and workflows if the deployment is destroyed
  }

  cost_assumptions = {
    monthly_requests         = 2000000
    monthly_data_transfer_gb = 200
  }

  timeouts = {
    create = "60m"
  }
}

output "ollama_api_key" {
  value     = geusemaker_deployment.gpu.service_credentials["ollama_api_key"]
  sensitive = true
}

output "cloudfront_domain_name" {
  value = geusemaker_deployment.gpu.cloudfront_domain_name
}

output "gpu" {
  value = "${geusemaker_deployment.gpu.gpu_count} x ${geusemaker_deployment.gpu.gpu_model} (${geusemaker_deployment.gpu.gpu_health_status})"
}

output "estimated_monthly_cost" {
  value = geusemaker_deployment.gpu.estimated_monthly_cost
}
