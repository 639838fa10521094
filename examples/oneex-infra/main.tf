# One cloud-init user data snippet and one VM per entry of var.vms.

resource "proxmox_virtual_environment_file" "user_data" {
  for_each = var.vms

  content_type = "snippets"
  datastore_id = "local"
  node_name    = var.proxmox_node

  source_raw {
    file_name = "${var.environment}-${each.key}-user-data.yaml"
    data = templatefile("${path.module}/cloud-init/user-data.yaml.tftpl", {
      hostname            = each.key
      environment         = var.environment
      ssh_authorized_keys = var.ssh_authorized_keys
    })
  }
}

resource "proxmox_virtual_environment_vm" "vm" {
  for_each = var.vms

  name      = each.key
  node_name = var.proxmox_node
  vm_id     = each.value.vm_id
  tags      = concat(["oneex", var.environment], each.value.groups)

  clone {
    vm_id = var.template_vm_id
  }

  agent {
    enabled = true
  }

  cpu {
    cores = each.value.cores
  }

  memory {
    dedicated = each.value.memory_mb
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "virtio0"
    size         = each.value.disk_gb
  }

  network_device {
    bridge = var.network.bridge
  }

  initialization {
    ip_config {
      ipv4 {
        address = "${each.value.address}/${var.network.prefix_length}"
        gateway = var.network.gateway
      }
    }

    dns {
      servers = var.network.dns
    }

    user_data_file_id = proxmox_virtual_environment_file.user_data[each.key].id
  }
}
