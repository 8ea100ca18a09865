# Tier 1: one instance with encrypted EFS storage in a dedicated VPC,
# reachable over HTTP from the allowed networks only.
resource "geusemaker_deployment" "dev" {
  name                = "ai-dev"
  tier                = 1
  instance_type       = "t3.large"
  allowed_cidr_blocks = ["203.0.113.0/24"]

  tags = {
    team = "platform"
  }
}

output "n8n_url" {
  value = geusemaker_deployment.dev.service_urls["n8n"]
}
