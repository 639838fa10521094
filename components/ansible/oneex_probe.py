# Inventory probe of the Oneex `ansible` component, run before any SSH connection. It reads the
# inventory with Ansible's own code (so patterns, ranges, regexes and group_vars mean what they mean to
# ansible-playbook) and prints one JSON object on stdout:
#   {"version": v, "limit": [{"pattern": p, "hosts": n}], "hosts": {name: {"address", "port", "user",
#    "connection", "ssh_args"}}}
# Input, as JSON on stdin: {"sources": [...], "limit": "...", "hosts": [...], "extra_vars_file": "..."}.
# The vault password, when there is one, is read from ANSIBLE_VAULT_PASSWORD_FILE like Ansible does.

from __future__ import annotations

import json
import os
import sys

from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager, split_host_pattern
from ansible.release import __version__
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import get_file_vault_secret
from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode
from ansible.template import Templar
from ansible.vars.manager import VariableManager


def first(variables, *names):
    for name in names:
        if name in variables and variables[name] is not None:
            return variables[name]
    return None


def vaulted(value, path):
    """Paths of the inline-vaulted values in a host's variables (Ansible decrypts them only when used)."""
    if isinstance(value, AnsibleVaultEncryptedUnicode):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from vaulted(item, '%s.%s' % (path, key) if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from vaulted(item, '%s[%d]' % (path, index))


def main():
    request = json.load(sys.stdin)
    loader = DataLoader()
    password_file = os.environ.get('ANSIBLE_VAULT_PASSWORD_FILE')
    if password_file:
        secret = get_file_vault_secret(filename=password_file, vault_id='default', loader=loader)
        secret.load()
        loader.set_vault_secrets([('default', secret)])
    inventory = InventoryManager(loader=loader, sources=request['sources'])
    variables = VariableManager(loader=loader, inventory=inventory)
    if request.get('extra_vars_file'):
        variables._extra_vars = loader.load_from_file(request['extra_vars_file']) or {}

    limit = []
    for part in split_host_pattern(request.get('limit') or ''):
        base = part.lstrip('&!')
        if base:
            limit.append({'pattern': part, 'hosts': len(inventory.get_hosts(base))})

    hosts = {}
    for name in request.get('hosts', []):
        host = inventory.get_host(name)
        if host is None:
            continue
        host_vars = variables.get_vars(host=host, include_hostvars=False)
        # Decrypt now what the run would decrypt later, so a missing or wrong password fails here.
        for path, secret in vaulted(host_vars, ''):
            if not password_file:
                raise AnsibleError('Attempting to decrypt but no vault secrets found (variable %s of host %s)' % (path, name))
            secret.data
        templar = Templar(loader=loader, variables=host_vars)

        def value(*names):
            found = first(host_vars, *names)
            return templar.template(found) if found is not None else None

        ssh_args = ' '.join(
            str(value(name) or '') for name in ('ansible_ssh_common_args', 'ansible_ssh_extra_args', 'ansible_ssh_args')
        ).strip()
        hosts[name] = {
            'address': str(value('ansible_host', 'ansible_ssh_host') or name),
            'port': value('ansible_port', 'ansible_ssh_port'),
            'user': value('ansible_user', 'ansible_ssh_user'),
            'connection': str(value('ansible_connection') or 'ssh'),
            'ssh_args': ssh_args,
            # False switches host key checking off for the host (ansible_host_key_checking).
            'host_key_checking': value('ansible_host_key_checking', 'ansible_ssh_host_key_checking'),
        }
    json.dump({'version': __version__, 'limit': limit, 'hosts': hosts}, sys.stdout)


if __name__ == '__main__':
    try:
        main()
    except AnsibleError as error:
        # Ansible's own message (vault, parse errors), as its CLIs print it.
        sys.stderr.write('ERROR! %s\n' % error)
        sys.exit(4)
