// Code Quality severities, apart from the report writer so component definitions (loaded at every CLI
// start) can name them without loading node:crypto.

/** Code Climate severities, least to most severe. */
export const SEVERITIES = ['info', 'minor', 'major', 'critical', 'blocker'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);
