import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge, scanAndWait } from '../../../components/image/gate.ts';
import { HarborClient } from '../../../src/harbor/client.ts';
import { createContext } from '../../../src/runtime/context.ts';
import { Redactor } from '../../../src/runtime/redact.ts';
import { HarborDouble } from '../../doubles/harbor-double.ts';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const artifact = { project: 'oneex', repository: 'back', digest: DIGEST };

describe('judge', () => {
  const overview = {
    scan_status: 'Success' as const,
    scanner: { name: 'Trivy', version: 'v0.50.1' },
    summary: { total: 4, fixable: 2, summary: { Low: 2, High: 1, Critical: 1 } },
  };
  const findings = [
    { id: 'CVE-L', package: 'a', version: '1', severity: 'Low' },
    { id: 'CVE-C', package: 'b', version: '2', fix_version: '2.1', severity: 'Critical' },
    { id: 'CVE-H', package: 'c', version: '3', severity: 'High' },
  ];

  it('counts per severity, worst first, and lists the worst findings first', () => {
    const outcome = judge(overview, findings, 'critical');
    expect(outcome.lines).toEqual([
      'Harbor scan (Trivy v0.50.1): 4 vulnerabilities, 2 fixable: Critical 1, High 1, Low 2.',
      'Top 3 findings:',
      '  Critical CVE-C  b 2, fixed in 2.1',
      '  High     CVE-H  c 3, no fix yet',
      '  Low      CVE-L  a 1, no fix yet',
    ]);
  });

  it.each([
    ['critical', false, 1],
    ['high', false, 2],
    ['medium', false, 2],
    ['low', false, 4],
  ] as const)('fails at %s or worse', (threshold, passed, blocking) => {
    expect(judge(overview, findings, threshold)).toMatchObject({ passed, blocking });
  });

  it('passes a clean image', () => {
    const clean = judge({ scan_status: 'Success', summary: { total: 0, summary: {} } }, [], 'low');
    expect(clean).toMatchObject({ passed: true, lines: ['Harbor scan: no known vulnerability.'] });
  });
});

describe('scanAndWait', () => {
  let harbor: HarborDouble;
  const context = () =>
    createContext({ env: { NO_COLOR: '1' }, cwd: '/tmp', out: { write: () => undefined }, isTTY: false });
  beforeAll(async () => {
    harbor = await HarborDouble.start({
      accounts: { robot: { secret: 'secret-1', canScan: true } },
      scannerProjects: ['oneex'],
      resolve: async () => DIGEST,
      runningPolls: 1_000_000,
    });
  });
  afterAll(() => harbor?.stop());

  it('gives up within the bound when the scan does not finish', async () => {
    let now = 0;
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const client = new HarborClient(harbor.url, { username: 'robot', password: 'secret-1' }, new Redactor());
    await expect(scanAndWait(client, artifact, 30, context(), clock)).rejects.toMatchObject({
      code: 'ESCAN_TIMEOUT',
      message: "Harbor's scan did not finish within 30 s (last status: Running).",
    });
    // Polls back off: far fewer than one every 250 ms over 30 s.
    const polls = harbor.requests.filter((r) => r.method === 'GET').length;
    expect(polls).toBeGreaterThan(3);
    expect(polls).toBeLessThan(15);
  });
});
