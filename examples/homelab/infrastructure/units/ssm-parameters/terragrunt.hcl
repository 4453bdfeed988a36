# Thin wiring only: the logic and its tests live in modules/ssm-parameters.

terraform {
  source = "../../../.././/modules/ssm-parameters"
}

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket       = "example-homelab-tofu-state"
    key          = "${values.cluster_name}/ssm-parameters/terraform.tfstate"
    region       = "us-east-2"
    encrypt      = true
    use_lockfile = true
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    provider "aws" {
      region = "us-east-2"

      default_tags {
        tags = {
          project = "homelab"
        }
      }
    }
  EOF
}

# Third-party tokens are not here on purpose: `op run -- terragrunt apply`
# exports TF_VAR_provided_parameters from the password manager at apply time.
inputs = {
  cluster_name         = values.cluster_name
  generated_parameters = values.generated_parameters
}
