// From `terraform output -json` (or `tofu output -json`) to an Ansible YAML inventory. A pure function,
// so the mapping documented in the component's description has a test for each rule.
//
//   {"ansible_hosts": {"sensitive": false, "type": [...], "value": {
//       "back-1": {"ansible_host": "10.20.0.11", "groups": ["back"], "vars": {...}}}},
//    "environment": {"sensitive": false, "type": "string", "value": "test"}}
//
// becomes
//
//   all:
//     vars: {terraform_outputs: {environment: test}}
//     hosts: {back-1: {ansible_host: 10.20.0.11, ...vars}}
//     children: {back: {hosts: {back-1: {}}}}

export const HOSTS_OUTPUT = 'ansible_hosts';

export interface TerraformInventory {
  readonly inventory: { all: Record<string, unknown> };
  readonly hosts: readonly { name: string; address: string; groups: readonly string[] }[];
  /** Other non-sensitive outputs, given to every host as `terraform_outputs`. */
  readonly outputs: readonly string[];
}

export class TerraformOutputsError extends Error {}

// Ansible's own rules: group names are identifiers; host names are names or addresses.
const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const RESERVED_VARS = new Set(['ansible_host', 'ansible_port', 'ansible_user', 'groups', 'vars']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(message: string): never {
  throw new TerraformOutputsError(message);
}

export function inventoryFromTerraform(outputs: unknown): TerraformInventory {
  if (!isRecord(outputs)) fail('it is not the JSON object `terraform output -json` writes');
  for (const [name, output] of Object.entries(outputs)) {
    if (!isRecord(output) || !('value' in output)) {
      fail(`output "${name}" has no "value": it is not the JSON \`terraform output -json\` writes`);
    }
  }
  const hostsOutput = outputs[HOSTS_OUTPUT] as Record<string, unknown> | undefined;
  if (hostsOutput === undefined) {
    const names = Object.keys(outputs);
    fail(
      `it has no output "${HOSTS_OUTPUT}" (outputs: ${names.length > 0 ? names.join(', ') : 'none'}); ` +
        `declare one mapping each host name to {ansible_host, groups, vars}`,
    );
  }
  if (hostsOutput.sensitive === true) {
    fail(`output "${HOSTS_OUTPUT}" is marked sensitive; an inventory is not a secret, keep it non-sensitive`);
  }
  const value = hostsOutput.value;
  if (!isRecord(value)) fail(`output "${HOSTS_OUTPUT}" must be a map of host name to object`);

  const hostVars: Record<string, Record<string, unknown>> = {};
  const children: Record<string, { hosts: Record<string, Record<string, never>> }> = {};
  const hosts: { name: string; address: string; groups: string[] }[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const at = `${HOST_NAME.test(name) ? name : JSON.stringify(name)}`;
    if (!HOST_NAME.test(name)) fail(`host name ${at} is not a valid Ansible host name`);
    if (!isRecord(entry)) fail(`host ${at} must be an object with ansible_host`);
    const address = entry.ansible_host;
    if (typeof address !== 'string' || address.trim() === '') {
      fail(`host ${at} has no ansible_host (its address)`);
    }
    const groups = entry.groups ?? [];
    if (!Array.isArray(groups) || !groups.every((g): g is string => typeof g === 'string')) {
      fail(`host ${at}: groups must be a list of group names`);
    }
    for (const group of groups) {
      if (!GROUP_NAME.test(group)) {
        fail(`host ${at}: group "${group}" is not a valid Ansible group name (letters, digits, _)`);
      }
      if (group === 'all' || group === 'ungrouped')
        fail(`host ${at}: group "${group}" is implicit in Ansible`);
    }
    const vars = entry.vars ?? {};
    if (!isRecord(vars)) fail(`host ${at}: vars must be a map`);
    const port = entry.ansible_port;
    if (port !== undefined && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536)) {
      fail(`host ${at}: ansible_port must be a port number`);
    }
    const user = entry.ansible_user;
    if (user !== undefined && typeof user !== 'string') fail(`host ${at}: ansible_user must be a string`);
    const unknown = Object.keys(entry).filter((key) => !RESERVED_VARS.has(key));
    if (unknown.length > 0) {
      fail(`host ${at}: unknown keys ${unknown.join(', ')}; put host variables under "vars"`);
    }

    hostVars[name] = {
      ...vars,
      ansible_host: address,
      ...(port !== undefined ? { ansible_port: port } : {}),
      ...(user !== undefined ? { ansible_user: user } : {}),
    };
    for (const group of groups) {
      children[group] ??= { hosts: {} };
      children[group].hosts[name] = {};
    }
    hosts.push({ name, address, groups });
  }

  const others: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(outputs)) {
    const { sensitive, value: outputValue } = output as { sensitive?: boolean; value: unknown };
    if (name !== HOSTS_OUTPUT && sensitive !== true) others[name] = outputValue;
  }
  const all: Record<string, unknown> = { hosts: hostVars };
  if (Object.keys(children).length > 0) all.children = children;
  if (Object.keys(others).length > 0) all.vars = { terraform_outputs: others };
  return { inventory: { all }, hosts, outputs: Object.keys(others) };
}
