variable "environment" {
  description = "Oneex environment these VMs belong to (test, staging, production, review)."
  type        = string
}

variable "proxmox_endpoint" {
  description = "Proxmox VE API endpoint."
  type        = string
}

variable "proxmox_node" {
  description = "Proxmox node the VMs run on."
  type        = string
}

variable "proxmox_ssh_user" {
  description = "SSH user the provider uploads cloud-init snippets with."
  type        = string
  default     = "terraform"
}

variable "template_vm_id" {
  description = "VM ID of the cloud-init-ready template the VMs are cloned from."
  type        = number
}

variable "network" {
  description = "Bridge, prefix length, gateway and DNS servers of the environment's network."
  type = object({
    bridge        = string
    prefix_length = number
    gateway       = string
    dns           = list(string)
  })
}

variable "ssh_authorized_keys" {
  description = "Public keys allowed to log in as the admin user (Ansible's)."
  type        = list(string)
}

variable "vms" {
  description = "VMs of the environment, by host name. `address` and `groups` make the Ansible inventory."
  type = map(object({
    vm_id     = number
    address   = string
    groups    = list(string)
    cores     = number
    memory_mb = number
    disk_gb   = number
  }))
}
