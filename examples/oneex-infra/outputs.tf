# The ansible component builds its inventory from `ansible_hosts`: one host per key, reached at
# `ansible_host`, in each of its `groups`. Every other output reaches the hosts as
# `terraform_outputs.<name>`.
output "ansible_hosts" {
  description = "VMs of the environment by host name, with their address and Ansible groups."
  value       = { for name, vm in var.vms : name => { ansible_host = vm.address, groups = vm.groups } }
}

output "environment" {
  description = "Environment the hosts belong to."
  value       = var.environment
}
