# Credentials come from the job's environment, never from this file or a variable:
#   PROXMOX_VE_API_TOKEN        USER@REALM!TOKENID=SECRET, from Vault (the proxmox_api_token input)
#   PROXMOX_VE_SSH_PRIVATE_KEY  key of the SSH user that uploads the cloud-init snippets
provider "proxmox" {
  endpoint = var.proxmox_endpoint

  ssh {
    agent    = false
    username = var.proxmox_ssh_user
  }
}
