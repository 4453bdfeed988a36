variable "cluster_name" {
  description = "Cluster whose parameters this is: dev, integration or live. Each cluster has its own AWS account, so paths are identical across clusters."
  type        = string

  validation {
    condition     = contains(["dev", "integration", "live"], var.cluster_name)
    error_message = "cluster_name must be one of: dev, integration, live."
  }
}

variable "aws_region" {
  description = "Region of the Parameter Store the ClusterSecretStore reads."
  type        = string
  default     = "us-east-2"
}

variable "path_prefix" {
  description = "SSM path prefix. External Secrets can read everything below it and nothing else."
  type        = string
  default     = "/homelab"

  validation {
    condition     = can(regex("^(/[a-z0-9-]+)+$", var.path_prefix))
    error_message = "path_prefix must start with '/', use lowercase segments and must not end with '/'."
  }
}

variable "generated_parameters" {
  description = "Random values created once and stored as SecureString, keyed by <app>/<key> (e.g. paperless/db-password)."
  type = map(object({
    description = string
    length      = optional(number, 32)
  }))
  default = {}

  validation {
    condition     = alltrue([for key in keys(var.generated_parameters) : can(regex("^[a-z0-9-]+/[a-z0-9-]+$", key))])
    error_message = "Keys must look like <app>/<key>, for example paperless/db-password."
  }

  validation {
    condition     = alltrue([for p in values(var.generated_parameters) : p.length >= 16 && p.length <= 128])
    error_message = "Generated values must be between 16 and 128 characters long."
  }
}

variable "provided_parameters" {
  description = "Values issued by third parties (API tokens), keyed by <app>/<key>. Passed at apply time from the password manager (TF_VAR_provided_parameters), never from a file in the repository."
  type = map(object({
    description = string
    value       = string
  }))
  default   = {}
  sensitive = true
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
