# Runs offline: `tofu test` (or `terraform test`) with mocked AWS.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  cluster_name = "live"
  generated_parameters = {
    "paperless/db-password" = { description = "Paperless PostgreSQL role password" }
    "paperless/secret-key"  = { description = "Paperless SECRET_KEY", length = 64 }
  }
}

run "generated_parameters_are_secure_and_prefixed" {
  command = plan

  assert {
    condition     = aws_ssm_parameter.generated["paperless/db-password"].name == "/homelab/paperless/db-password"
    error_message = "Parameters must live at <path_prefix>/<app>/<key>."
  }

  assert {
    condition     = alltrue([for p in aws_ssm_parameter.generated : p.type == "SecureString"])
    error_message = "Every parameter must be a SecureString."
  }

  assert {
    condition     = data.aws_secretsmanager_random_password.generated["paperless/secret-key"].password_length == 64
    error_message = "A per-parameter length must be honoured."
  }

  assert {
    condition     = output.parameter_names == tolist(["/homelab/paperless/db-password", "/homelab/paperless/secret-key"])
    error_message = "parameter_names must list every managed parameter, sorted."
  }
}

run "reader_is_scoped_to_the_prefix" {
  command = plan

  assert {
    condition     = one(output.read_policy_resources) == "arn:aws:ssm:us-east-2:123456789012:parameter/homelab/*"
    error_message = "External Secrets must only be able to read below the path prefix."
  }

  assert {
    condition     = aws_iam_user.external_secrets.name == "external-secrets-live"
    error_message = "The reader identity must be per cluster."
  }
}

run "provided_parameters_are_stored_as_secure_strings" {
  command = plan

  variables {
    provided_parameters = {
      "cert-manager/cloudflare-api-token" = {
        description = "DNS-01 token"
        value       = "test-value-not-a-real-token"
      }
    }
  }

  assert {
    condition     = aws_ssm_parameter.provided["cert-manager/cloudflare-api-token"].type == "SecureString"
    error_message = "Third-party tokens must be SecureStrings."
  }

  assert {
    condition     = aws_ssm_parameter.provided["cert-manager/cloudflare-api-token"].name == "/homelab/cert-manager/cloudflare-api-token"
    error_message = "Third-party tokens follow the same path convention."
  }
}

run "rejects_unknown_cluster" {
  command = plan

  variables {
    cluster_name = "prod"
  }

  expect_failures = [var.cluster_name]
}

run "rejects_trailing_slash_in_prefix" {
  command = plan

  variables {
    path_prefix = "/homelab/"
  }

  expect_failures = [var.path_prefix]
}

run "rejects_keys_without_app_segment" {
  command = plan

  variables {
    generated_parameters = {
      "db-password" = { description = "missing the <app>/ segment" }
    }
  }

  expect_failures = [var.generated_parameters]
}

run "rejects_short_generated_values" {
  command = plan

  variables {
    generated_parameters = {
      "miniflux/admin-password" = { description = "too short", length = 8 }
    }
  }

  expect_failures = [var.generated_parameters]
}
