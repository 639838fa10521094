import { http, NetworkError } from '../../src/runtime/http.ts';

// A Grafana annotation (grafana.com/docs/grafana/latest/developers/http_api/annotations) marks when a
// version reached an environment, on every dashboard that shows annotations tagged `deploy`. It is
// information about a deployment, not part of it: a failure is reported and the job goes on.

export interface Annotation {
  readonly app: string;
  readonly environment: string;
  readonly text: string;
  readonly version: string;
  readonly timeMs: number;
}

/** Posts the annotation; returns why it failed, if it did. */
export async function annotate(
  grafanaUrl: string,
  token: string | undefined,
  annotation: Annotation,
): Promise<{ id: number } | { problem: string }> {
  const url = `${grafanaUrl.replace(/\/+$/, '')}/api/annotations`;
  try {
    const response = await http({
      method: 'POST',
      url,
      headers: token !== undefined ? { Authorization: `Bearer ${token}` } : {},
      body: {
        time: annotation.timeMs,
        tags: [
          'deploy',
          `app:${annotation.app}`,
          `environment:${annotation.environment}`,
          `version:${annotation.version}`,
        ],
        text: annotation.text,
      },
    });
    const body = (response.body ?? {}) as { id?: number; message?: string };
    if (response.status === 200 && typeof body.id === 'number') return { id: body.id };
    return {
      problem: `Grafana answered ${response.status}: ${body.message ?? JSON.stringify(response.body)}`,
    };
  } catch (error) {
    if (error instanceof NetworkError)
      return { problem: `Grafana at ${grafanaUrl} did not answer: ${error.reason}` };
    throw error;
  }
}
