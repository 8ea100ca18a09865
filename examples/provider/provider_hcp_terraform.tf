# HCP Terraform dynamic credentials: with the workspace variables
# TFC_AWS_PROVIDER_AUTH = true and TFC_AWS_RUN_ROLE_ARN = <role ARN>, every run
# gets short-lived credentials for that role through a shared config file whose
# path HCP Terraform passes in this variable.
variable "tfc_aws_dynamic_credentials" {
  description = "Set by HCP Terraform when dynamic AWS credentials are enabled for the workspace."
  type = object({
    default = object({
      shared_config_file = string
    })
    aliases = map(object({
      shared_config_file = string
    }))
  })
}

provider "geusemaker" {
  region              = "us-east-1"
  shared_config_files = [var.tfc_aws_dynamic_credentials.default.shared_config_file]
}
