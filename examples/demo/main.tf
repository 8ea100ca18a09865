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

  # The emulator's built-in key pair (AWS's documented example keys).
  access_key = "AKIAIOSFODNN7EXAMPLE"
  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

  endpoints {
    acm        = var.emulator_endpoint
    cloudfront = var.emulator_endpoint
    ec2        = var.emulator_endpoint
    efs        = var.emulator_endpoint
    elbv2      = var.emulator_endpoint
    iam        = var.emulator_endpoint
    ssm        = var.emulator_endpoint
    sts        = var.emulator_endpoint
  }
}

data "geusemaker_caller_identity" "current" {}

output "account_id" {
  description = "AWS account the provider authenticated to (the emulator's account)."
  value       = data.geusemaker_caller_identity.current.account_id
}

output "caller_arn" {
  description = "ARN of the identity the provider runs as."
  value       = data.geusemaker_caller_identity.current.arn
}

output "region" {
  description = "Region the provider is configured for."
  value       = data.geusemaker_caller_identity.current.region
}
