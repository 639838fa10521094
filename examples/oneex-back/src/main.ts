import { createApp } from './server.ts';

// Entry point: listens on PORT (3000 by default) and stops cleanly on SIGTERM, as Kubernetes asks.

const port = Number(process.env.PORT ?? '3000');
const server = createApp((line) => process.stderr.write(`${line}\n`));
server.listen(port, () => process.stdout.write(`oneex-back listening on ${port}\n`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
