data "geusemaker_caller_identity" "current" {}

output "aws_account_id" {
  value = data.geusemaker_caller_identity.current.account_id
}

output "aws_caller_arn" {
  value = data.geusemaker_caller_identity.current.arn
}
