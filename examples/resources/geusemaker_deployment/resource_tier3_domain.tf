# Tier 3 at a custom domain: the deployment requests and validates the ACM
# certificates (us-east-1 for CloudFront, the deployment's region for the
# load balancer) in the Route 53 zone and writes the records itself.
resource "geusemaker_deployment" "site" {
  name = "ai-site"
  tier = 3

  domain = {
    name            = "ai.example.com"
    route53_zone_id = "Z0123456789ABCDEFGHIJ" # the public hosted zone of example.com
  }
}

output "url" {
  value = geusemaker_deployment.site.url # https://ai.example.com
}
