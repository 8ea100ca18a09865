terraform {
  required_providers {
    geusemaker = {
      source = "geusemaker/geusemaker"
    }
  }
}

# Credentials come from the usual AWS chain: environment variables
# (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, ...),
# shared config and credentials files, or an instance/container role.
provider "geusemaker" {
  region = "us-east-1"

  default_tags {
    tags = {
      team = "ai-platform"
    }
  }
}
