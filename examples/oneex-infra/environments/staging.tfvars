environment = "staging"

proxmox_endpoint = "https://pve.oneex.internal:8006/"
proxmox_node     = "pve1"
template_vm_id   = 9000

ssh_authorized_keys = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0neexCiAnsibleKey0000000000000000000000000 ansible@oneex",
]

network = {
  bridge        = "vmbr20"
  prefix_length = 24
  gateway       = "10.20.0.1"
  dns           = ["10.20.0.2"]
}

vms = {
  "staging-app-1" = { vm_id = 2101, address = "10.20.0.11", groups = ["app"], cores = 2, memory_mb = 4096, disk_gb = 20 }
  "staging-db-1"  = { vm_id = 2102, address = "10.20.0.21", groups = ["db"], cores = 4, memory_mb = 8192, disk_gb = 80 }
}
