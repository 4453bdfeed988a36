output "parameter_names" {
  description = "Every parameter this module manages, sorted."
  value = sort(concat(
    [for p in aws_ssm_parameter.generated : p.name],
    [for p in aws_ssm_parameter.provided : p.name],
  ))
}

output "read_policy_resources" {
  description = "The ARN pattern External Secrets may read."
  value       = ["${local.parameter_arn_prefix}/*"]
}

output "external_secrets_user" {
  description = "IAM user the ClusterSecretStore authenticates as."
  value       = aws_iam_user.external_secrets.name
}

output "external_secrets_access_key_id" {
  description = "Written to kube-system/external-secrets-aws by the bootstrap unit."
  value       = aws_iam_access_key.external_secrets.id
}

output "external_secrets_secret_access_key" {
  description = "Written to kube-system/external-secrets-aws by the bootstrap unit."
  value       = aws_iam_access_key.external_secrets.secret
  sensitive   = true
}
