import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { TF_CODES } from './errors.ts';
import { changeLines, describeReport, type ResourceChange, type TerraformReport } from './report.ts';

// One merge request note per environment and state, kept up to date: each pipeline finds the note by
// the hidden marker it carries and edits it, so a merge request never collects a note per push.

export interface NoteTarget {
  /** `CI_API_V4_URL`. */
  readonly apiUrl: string;
  readonly projectId: string;
  readonly mergeRequestIid: number;
  /** A token with the `api` scope (registered with the redactor by the caller). */
  readonly token: string;
}

export interface PlanSummary {
  readonly tool: string;
  readonly environment: string;
  readonly state: string;
  readonly commit: string;
  readonly pipelineUrl: string | undefined;
  readonly jobUrl: string | undefined;
  readonly report: TerraformReport;
  readonly changes: readonly ResourceChange[];
}

export const noteMarker = (state: string): string => `<!-- oneex-ci:terraform-plan:${state} -->`;

/** The note's Markdown: counts, then the addresses that change (never attribute values). */
export function noteBody(summary: PlanSummary): string {
  const lines = changeLines(summary.changes);
  const link = (text: string, url: string | undefined) => (url === undefined ? text : `[${text}](${url})`);
  return [
    noteMarker(summary.state),
    `### ${summary.tool} plan for \`${summary.environment}\` (state \`${summary.state}\`)`,
    '',
    `**${describeReport(summary.report)}** at ${summary.commit.slice(0, 8)}, ${link('pipeline', summary.pipelineUrl)}, ${link('plan job', summary.jobUrl)}.`,
    '',
    ...(lines.length === 0
      ? ['No changes: the infrastructure matches the configuration.']
      : [
          '<details><summary>Resources</summary>',
          '',
          '```diff',
          ...lines.map((l) => l.trim()),
          '```',
          '',
          '</details>',
        ]),
    '',
  ].join('\n');
}

/** Creates the note, or edits the one an earlier pipeline left. */
export async function upsertPlanNote(
  target: NoteTarget,
  marker: string,
  body: string,
): Promise<'created' | 'updated'> {
  const host = target.apiUrl.replace(/\/api\/v4\/?$/, '');
  // Loaded here: most plans write no note, and the GitLab client is a large part of the plan's start.
  const { MergeRequestNotes } = await import('@gitbeaker/rest');
  const notes = new MergeRequestNotes({ host, token: target.token, queryTimeout: 30_000 });
  try {
    const all = await notes.all(target.projectId, target.mergeRequestIid, {
      sort: 'asc',
      orderBy: 'created_at',
    });
    const existing = all.find((note) => note.system !== true && String(note.body).startsWith(marker));
    if (existing !== undefined) {
      await notes.edit(target.projectId, target.mergeRequestIid, existing.id, { body });
      return 'updated';
    }
    await notes.create(target.projectId, target.mergeRequestIid, body);
    return 'created';
  } catch (error) {
    throw noteError(error);
  }
}

function noteError(error: unknown): OneexError {
  const cause = (error as { cause?: { response?: { status?: number }; description?: string } }).cause;
  const status = cause?.response?.status;
  const detail = cause?.description ?? (error as Error).message;
  const hint =
    status === 401
      ? 'GITLAB_TOKEN is not a valid token: create a project access token with the `api` scope and set it as a masked CI/CD variable.'
      : status === 403
        ? 'GITLAB_TOKEN may not write notes on this merge request: it needs the `api` scope and at least the Reporter role.'
        : status === 404
          ? 'GitLab found no such project or merge request for GITLAB_TOKEN: the token must belong to this project (or have access to it).'
          : 'GitLab could not be reached; the plan itself succeeded. Retry the job.';
  return new OneexError(
    TF_CODES.note,
    `Could not write the plan's merge request note${status !== undefined ? ` (HTTP ${status})` : ''}: ${detail}.`,
    hint,
    EXIT.unavailable,
  );
}
