// What a saved plan changes, read from `show -json` (the documented JSON plan format:
// developer.hashicorp.com/terraform/internals/json-format), as GitLab's merge request widget counts it
// and as a person reads it in the log or a merge request note.

export interface ResourceChange {
  readonly address: string;
  /** `["create"]`, `["update"]`, `["delete"]`, `["delete","create"]` (replace), `["no-op"]`, `["read"]`. */
  readonly actions: readonly string[];
}

export interface TerraformReport {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
}

export class PlanFormatError extends Error {
  override readonly name = 'PlanFormatError';
}

/** The resource changes of a plan in JSON, or an error naming what the document lacks. */
export function resourceChanges(plan: unknown): ResourceChange[] {
  if (plan === null || typeof plan !== 'object') throw new PlanFormatError('the plan JSON is not an object');
  const document = plan as { format_version?: unknown; resource_changes?: unknown };
  if (typeof document.format_version !== 'string' || !/^1\./.test(document.format_version))
    throw new PlanFormatError(
      `unsupported plan format_version ${JSON.stringify(document.format_version)} (expected 1.x)`,
    );
  const changes = document.resource_changes ?? [];
  if (!Array.isArray(changes)) throw new PlanFormatError('resource_changes is not a list');
  return changes.map((change, index) => {
    const entry = change as { address?: unknown; change?: { actions?: unknown } };
    const actions = entry.change?.actions;
    if (
      typeof entry.address !== 'string' ||
      !Array.isArray(actions) ||
      !actions.every((a) => typeof a === 'string')
    )
      throw new PlanFormatError(`resource_changes[${index}] has no address or change.actions`);
    return { address: entry.address, actions: actions as string[] };
  });
}

/** GitLab's counts: every create, update and delete action (a replacement is one delete and one create). */
export function terraformReport(changes: readonly ResourceChange[]): TerraformReport {
  const count = (action: string) =>
    changes.reduce((n, c) => n + c.actions.filter((a) => a === action).length, 0);
  return { create: count('create'), update: count('update'), delete: count('delete') };
}

export const hasChanges = (report: TerraformReport): boolean =>
  report.create + report.update + report.delete > 0;

export type ChangeKind = 'create' | 'update' | 'replace' | 'delete';

export function kindOf(actions: readonly string[]): ChangeKind | undefined {
  if (actions.includes('create') && actions.includes('delete')) return 'replace';
  if (actions.includes('create')) return 'create';
  if (actions.includes('update')) return 'update';
  if (actions.includes('delete')) return 'delete';
  return undefined;
}

const SYMBOL: Record<ChangeKind, string> = { create: '+', update: '~', replace: '-/+', delete: '-' };

/** `+ proxmox_virtual_environment_vm.vm["web-1"]` lines, in the plan's order, no-ops left out. */
export function changeLines(changes: readonly ResourceChange[]): string[] {
  return changes.flatMap((change) => {
    const kind = kindOf(change.actions);
    return kind === undefined ? [] : [`${SYMBOL[kind].padStart(3)} ${change.address}  (${kind})`];
  });
}

export const describeReport = (report: TerraformReport): string =>
  `${report.create} to add, ${report.update} to change, ${report.delete} to destroy`;
