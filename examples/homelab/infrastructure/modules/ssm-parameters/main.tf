# Parameter Store is the single source of truth for secrets (see
# docs/architecture/secret-management.md). This module writes the parameters
# and creates the read-only identity that External Secrets uses.

data "aws_caller_identity" "current" {}

locals {
  parameter_arn_prefix = "arn:aws:ssm:${var.aws_region}:${data.aws_caller_identity.current.account_id}:parameter${var.path_prefix}"

  # Keys are not secret, values are: for_each may only see the keys.
  provided_keys = nonsensitive(toset(keys(var.provided_parameters)))

  common_tags = merge(var.tags, {
    cluster    = var.cluster_name
    managed-by = "opentofu"
  })
}

data "aws_secretsmanager_random_password" "generated" {
  for_each = var.generated_parameters

  password_length     = each.value.length
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "generated" {
  for_each = var.generated_parameters

  name        = "${var.path_prefix}/${each.key}"
  description = each.value.description
  type        = "SecureString"
  value       = data.aws_secretsmanager_random_password.generated[each.key].random_password
  tags        = local.common_tags

  lifecycle {
    # The value is generated on first apply only; later plans must not rotate
    # it (rotation is a deliberate `-replace`).
    ignore_changes = [value]
  }
}

resource "aws_ssm_parameter" "provided" {
  for_each = local.provided_keys

  name        = "${var.path_prefix}/${each.key}"
  description = var.provided_parameters[each.key].description
  type        = "SecureString"
  value       = var.provided_parameters[each.key].value
  tags        = local.common_tags
}

data "aws_iam_policy_document" "external_secrets_read" {
  statement {
    sid       = "ReadHomelabParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = ["${local.parameter_arn_prefix}/*"]
  }

  statement {
    sid       = "DecryptThroughSsmOnly"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${var.aws_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_user" "external_secrets" {
  name = "external-secrets-${var.cluster_name}"
  tags = local.common_tags
}

resource "aws_iam_user_policy" "external_secrets_read" {
  name   = "ssm-read-${trimprefix(replace(var.path_prefix, "/", "-"), "-")}"
  user   = aws_iam_user.external_secrets.name
  policy = data.aws_iam_policy_document.external_secrets_read.json
}

resource "aws_iam_access_key" "external_secrets" {
  user = aws_iam_user.external_secrets.name
}
