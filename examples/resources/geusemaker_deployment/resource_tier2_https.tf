# Tier 2: an Application Load Balancer with HTTPS (TLS 1.3 policy) in front
# of the stack, deployed into an existing VPC. The instance only accepts
# traffic from the load balancer.
resource "geusemaker_deployment" "automation" {
  name          = "ai-automation"
  tier          = 2
  instance_type = "m6i.xlarge"
  vpc_id        = "vpc-0a1b2c3d4e5f60718"
  subnet_ids    = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]

  load_balancer = {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
    domain_name     = "ai.example.com"
  }

  services      = ["n8n", "postgres", "ollama", "qdrant"]
  ollama_models = ["qwen3.5:2b", "nomic-embed-text:v1.5"]
}
