// JUnit XML as GitLab's test report widget reads it (docs.gitlab.com/ci/testing/unit_test_reports).

export interface TestCase {
  readonly name: string;
  readonly className: string;
  readonly timeSeconds?: number;
  readonly failure?: { readonly message: string; readonly details: string };
}

const escapeXml = (text: string): string =>
  text
    // XML 1.0 forbids most control characters; a commit message may hold any byte.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export function junitReport(suite: string, cases: readonly TestCase[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const body = cases.map((c) => {
    const attributes = `classname="${escapeXml(c.className)}" name="${escapeXml(c.name)}" time="${c.timeSeconds ?? 0}"`;
    if (c.failure === undefined) return `    <testcase ${attributes}/>`;
    return [
      `    <testcase ${attributes}>`,
      `      <failure message="${escapeXml(c.failure.message)}">${escapeXml(c.failure.details)}</failure>`,
      '    </testcase>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${failures}">`,
    ...body,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
