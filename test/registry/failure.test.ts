import { describe, expect, it } from 'vitest';
import { errorLines, readFailure } from '../../src/registry/failure.ts';

// Real messages of skopeo 1.9 and buildah 1.28 (containers/image), as they print them.

describe('readFailure', () => {
  it.each([
    'time="2026-12-01T21:28:15Z" level=fatal msg="writing blob: initiating layer upload to /v2/oneex/back/blobs/uploads/ in 127.0.0.1:5000: received unexpected HTTP status: 503 Service Unavailable"',
    'Error: writing manifest: uploading manifest sha256:1b8a to harbor.oneex.fr/oneex/back: StatusCode: 502, "<html>Bad Gateway</html>"',
    'time="…" level=fatal msg="trying to reuse blob sha256:82 at destination: pinging container registry 127.0.0.1:5000: Get \\"https://127.0.0.1:5000/v2/\\": read tcp 127.0.0.1:1->127.0.0.1:5000: read: connection reset by peer"',
    'time="…" level=fatal msg="writing manifest: uploading manifest sha256:1b to 127.0.0.1:5000/oneex/back: context deadline exceeded"',
    'Error: creating build container: initializing source docker://h/base:1: reading manifest 1 in h/base: toomanyrequests: too many requests',
  ])('retries %s', (output) => {
    expect(readFailure(output).transient).toBe(true);
  });

  it.each([
    [
      'reading manifest abc in h/oneex/back: unauthorized: authentication required',
      'refused the credentials',
    ],
    ['uploading manifest sha256:1b to h/oneex/back: denied', 'denied the request'],
    [
      'uploading manifest main to harbor.oneex.fr/oneex/back: unknown: The image oneex/back:abc configured as immutable, cannot be updated',
      'immutable',
    ],
    [
      'pinging container registry h: Get "https://h/v2/": x509: certificate signed by unknown authority',
      'not trusted',
    ],
    ['reading manifest 1 in h/base/busybox: manifest unknown: manifest unknown', 'does not know that image'],
    ['Error: building at STEP "RUN make": while running runtime: exit status 2', 'the tool failed'],
    [
      'Error: building at STEP "RUN curl -f x || echo 503": while running runtime: exit status 22',
      'the tool failed',
    ],
    ['Error: building at STEP "RUN echo "tests: 503 failures" && exit 3": exit status 3', 'the tool failed'],
  ])('does not retry %s', (output, reason) => {
    const reading = readFailure(output);
    expect(reading.transient).toBe(false);
    expect(reading.reason).toContain(reason);
  });

  it('judges an auth failure as final even when a 5xx appears too', () => {
    expect(
      readFailure('received unexpected HTTP status: 503; then unauthorized: authentication required')
        .transient,
    ).toBe(false);
  });
});

describe('errorLines', () => {
  it('keeps the error lines, not the progress', () => {
    const output = [
      'Getting image source signatures',
      'Copying blob sha256:1',
      'Error: writing blob: denied',
      '',
    ].join('\n');
    expect(errorLines(output)).toBe('Error: writing blob: denied');
  });
});
