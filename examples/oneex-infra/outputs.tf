# The next step of the pipeline (the ansible component) builds its inventory from `hosts`: one host
# per key, at `address`, in `groups`; the other attributes become host variables.
output "hosts" {
  description = "VMs of the environment by host name, with their address and Ansible groups."
  value       = var.vms
}

output "environment" {
  description = "Environment the hosts belong to."
  value       = var.environment
}
