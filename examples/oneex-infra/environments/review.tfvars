environment = "review"

proxmox_endpoint = "https://pve.oneex.internal:8006/"
proxmox_node     = "pve1"
template_vm_id   = 9000

ssh_authorized_keys = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0neexCiAnsibleKey0000000000000000000000000 ansible@oneex",
]

network = {
  bridge        = "vmbr90"
  prefix_length = 24
  gateway       = "10.90.0.1"
  dns           = ["10.90.0.2"]
}

# One small VM per merge request; addresses come from the review pool.
vms = {
  "review-app-1" = { vm_id = 9101, address = "10.90.0.11", groups = ["app", "db"], cores = 2, memory_mb = 2048, disk_gb = 20 }
}
