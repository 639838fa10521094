environment = "production"

proxmox_endpoint = "https://pve.oneex.internal:8006/"
proxmox_node     = "pve1"
template_vm_id   = 9000

ssh_authorized_keys = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0neexCiAnsibleKey0000000000000000000000000 ansible@oneex",
]

network = {
  bridge        = "vmbr30"
  prefix_length = 24
  gateway       = "10.30.0.1"
  dns           = ["10.30.0.2", "10.30.0.3"]
}

vms = {
  "prod-app-1" = { vm_id = 3101, address = "10.30.0.11", groups = ["app"], cores = 4, memory_mb = 8192, disk_gb = 40 }
  "prod-app-2" = { vm_id = 3102, address = "10.30.0.12", groups = ["app"], cores = 4, memory_mb = 8192, disk_gb = 40 }
  "prod-db-1"  = { vm_id = 3103, address = "10.30.0.21", groups = ["db"], cores = 8, memory_mb = 16384, disk_gb = 200 }
}
