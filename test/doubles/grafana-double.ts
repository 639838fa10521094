import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A test double of Grafana's annotations HTTP API (grafana.com/docs/grafana/latest/developers/http_api/
// annotations): `POST /api/annotations` with a service account token as `Authorization: Bearer`;
// `{time, timeEnd?, tags?, text, dashboardUID?, panelId?}` -> 200 `{"message":"Annotation added","id":N}`.
// No or a wrong token: 401 `{"message":"Unauthorized"}`; no text: 400 `{"message":"text field should not be empty"}`.

export interface StoredAnnotation {
  readonly id: number;
  readonly time: number;
  readonly tags: readonly string[];
  readonly text: string;
}

export class GrafanaDouble {
  readonly annotations: StoredAnnotation[] = [];
  readonly authorizations: (string | undefined)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(token: string): Promise<GrafanaDouble> {
    let double: GrafanaDouble | undefined;
    const server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      double?.authorizations.push(request.headers.authorization);
      if (request.method !== 'POST' || request.url !== '/api/annotations')
        return send(404, { message: 'Not found' });
      if (request.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'Unauthorized' });
      let body: { time?: number; tags?: string[]; text?: string };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { message: 'bad request data' });
      }
      if (body.text === undefined || body.text === '')
        return send(400, { message: 'text field should not be empty' });
      const id = (double?.annotations.length ?? 0) + 1;
      double?.annotations.push({ id, time: body.time ?? Date.now(), tags: body.tags ?? [], text: body.text });
      return send(200, { message: 'Annotation added', id });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    double = new GrafanaDouble(server, `http://127.0.0.1:${port}`);
    return double;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
