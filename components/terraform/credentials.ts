import type { RunContext } from '../../src/runtime/context.ts';
import type { TerraformInputs } from './settings.ts';

// The one place provider credentials come from. Today: the job's CI/CD variables, named as the
// provider reads them (PROXMOX_VE_API_TOKEN, masked, protected, scoped to the environment), which the
// tool inherits from the job's environment as they are; nothing is fetched, nothing is added.

export async function providerCredentials(
  _inputs: TerraformInputs,
  _context: RunContext,
): Promise<Record<string, string>> {
  return {};
}
