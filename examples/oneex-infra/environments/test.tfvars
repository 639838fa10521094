environment = "test"

proxmox_endpoint = "https://pve.oneex.internal:8006/"
proxmox_node     = "pve1"
template_vm_id   = 9000

ssh_authorized_keys = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0neexCiAnsibleKey0000000000000000000000000 ansible@oneex",
]

network = {
  bridge        = "vmbr10"
  prefix_length = 24
  gateway       = "10.10.0.1"
  dns           = ["10.10.0.2"]
}

vms = {
  "test-app-1" = { vm_id = 1101, address = "10.10.0.11", groups = ["app"], cores = 2, memory_mb = 2048, disk_gb = 20 }
  "test-db-1"  = { vm_id = 1102, address = "10.10.0.21", groups = ["db"], cores = 2, memory_mb = 4096, disk_gb = 40 }
}
