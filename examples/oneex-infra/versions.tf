terraform {
  required_version = ">= 1.6"

  # GitLab-managed state: the terraform component fills in the addresses and the job token.
  backend "http" {}

  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.66"
    }
  }
}
