import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { type InputSpec, inputTypeOf, interpolation } from '../model/inputs.ts';
import { type CatalogEntry as Component, jobNamesOf } from '../model/preset.ts';
import { closest } from '../runtime/suggest.ts';

// `oneex-ci check`: validates a consumer's .gitlab-ci.yml offline against the catalog this CLI was
// released with, so a mistake in the few lines of `include: component:` is caught at commit time
// rather than when GitLab creates the pipeline (GitLab rejects unknown inputs only then; some
// mistakes, like two includes of one component, it never reports at all).

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  readonly line: number;
  readonly column: number;
  readonly code: string;
  readonly message: string;
  readonly fix: string;
}

export interface CheckOptions {
  /** The library's project path, whose components are checked. */
  readonly library: string;
  readonly components: readonly Component[];
}

const MAX_INCLUDES = 150;
const GITLAB_DEFAULT_STAGES = ['.pre', 'build', 'test', 'deploy', '.post'];
const SEMVER = /^\d+(\.\d+){0,2}$/;
const SHA = /^[0-9a-f]{40}$/;

interface Context {
  readonly diagnostics: Diagnostic[];
  readonly lines: LineCounter;
  readonly options: CheckOptions;
}

function at(context: Context, node: Node | null | undefined): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const position = context.lines.linePos(offset);
  return { line: position.line, column: position.col };
}

function report(
  context: Context,
  node: Node | null | undefined,
  severity: Severity,
  code: string,
  message: string,
  fix: string,
): void {
  context.diagnostics.push({ severity, ...at(context, node), code, message, fix });
}

const show = (value: unknown): string => JSON.stringify(value);

export function checkPipeline(text: string, options: CheckOptions): Diagnostic[] {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const context: Context = { diagnostics: [], lines, options };
  for (const error of document.errors) {
    const position = lines.linePos(error.pos[0]);
    context.diagnostics.push({
      severity: 'error',
      line: position.line,
      column: position.col,
      code: 'EYAML',
      message: `not valid YAML: ${error.message.split('\n')[0]}`,
      fix: 'Fix the YAML syntax (indentation, quotes, duplicate keys).',
    });
  }
  if (document.errors.length > 0) return context.diagnostics;
  const root = document.contents;
  if (!isMap(root)) {
    report(
      context,
      root,
      'error',
      'ETOPLEVEL',
      'the file is not a mapping of keywords and jobs',
      'Start the file with `include:`.',
    );
    return context.diagnostics;
  }
  const interpolation = text.indexOf('$[[');
  if (interpolation >= 0) {
    const position = lines.linePos(interpolation);
    context.diagnostics.push({
      severity: 'error',
      line: position.line,
      column: position.col,
      code: 'EINTERPOLATION',
      message:
        '`$[[ … ]]` interpolation is only allowed in a file with a `spec:` header (a component), not in a pipeline',
      fix: 'Use CI/CD variables (`$VAR`) in the pipeline, or pass the value as a component input.',
    });
  }
  const includes = root.get('include', true) as Node | undefined;
  const jobNames = new Map<string, Node>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (
      ![
        'include',
        'stages',
        'variables',
        'workflow',
        'default',
        'image',
        'services',
        'cache',
        'before_script',
        'after_script',
      ].includes(key)
    ) {
      jobNames.set(key, pair.key as Node);
    }
  }
  const used = checkIncludes(context, includes);
  checkJobCollisions(context, used, jobNames);
  checkStages(context, root, used);
  return context.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}

interface UsedComponent {
  readonly component: Component;
  readonly node: Node;
  readonly inputs: Readonly<Record<string, unknown>>;
}

function checkIncludes(context: Context, includes: Node | undefined): UsedComponent[] {
  if (includes === undefined) return [];
  const entries = isSeq(includes) ? includes.items : [includes];
  if (entries.length > MAX_INCLUDES) {
    report(
      context,
      includes,
      'error',
      'ETOOMANYINCLUDES',
      `${entries.length} includes; GitLab allows ${MAX_INCLUDES}`,
      'Use a preset component instead of many includes.',
    );
  }
  const used: UsedComponent[] = [];
  for (const entry of entries as Node[]) {
    if (isScalar(entry)) continue; // `include: 'path.yml'`, a local file: not ours to check.
    if (!isMap(entry)) {
      report(
        context,
        entry,
        'error',
        'EINCLUDE',
        'an include entry must be a mapping such as `component: …`',
        'Write `- component: $CI_SERVER_FQDN/oneex/ci-components/<name>@<version>`.',
      );
      continue;
    }
    const reference = entry.get('component', true) as Node | undefined;
    if (reference === undefined) {
      if (
        entry.has('inputs') &&
        !entry.has('local') &&
        !entry.has('project') &&
        !entry.has('remote') &&
        !entry.has('template')
      ) {
        report(
          context,
          entry,
          'error',
          'EINCLUDE',
          'an include with `inputs:` but no `component:` (or local/project/remote file)',
          'Add the `component:` reference the inputs are for.',
        );
      }
      continue;
    }
    const component = checkReference(context, reference);
    if (component === undefined) continue;
    const inputs = checkInputs(context, component, entry);
    used.push({ component, node: reference, inputs });
  }
  return used;
}

function checkReference(context: Context, node: Node): Component | undefined {
  if (!isScalar(node) || typeof node.value !== 'string') {
    report(
      context,
      node,
      'error',
      'ECOMPONENT',
      '`component:` must be a string reference',
      'Write `$CI_SERVER_FQDN/oneex/ci-components/<name>@<version>`.',
    );
    return undefined;
  }
  const value = node.value;
  const match = /^(?<host>[^/]+)\/(?<path>.+)\/(?<name>[^/@]+)(?:@(?<version>.*))?$/.exec(value);
  if (match?.groups === undefined) {
    report(
      context,
      node,
      'error',
      'ECOMPONENT',
      `${show(value)} is not a component reference`,
      'Write `$CI_SERVER_FQDN/<group>/<project>/<name>@<version>`.',
    );
    return undefined;
  }
  const { host, path, name, version } = match.groups as {
    host: string;
    path: string;
    name: string;
    version?: string;
  };
  if (path !== context.options.library) {
    const near = closest(path, [context.options.library]);
    if (near !== undefined) {
      report(
        context,
        node,
        'error',
        'EPROJECT',
        `project ${show(path)} is not the library; did you mean ${show(near)}?`,
        `Include from ${context.options.library}.`,
      );
    }
    return undefined; // another project's component: not ours to check.
  }
  if (!/^\$\{?CI_SERVER_FQDN\}?$/.test(host)) {
    report(
      context,
      node,
      'warning',
      'EHOST',
      `the host is written out as ${show(host)}`,
      'Use `$CI_SERVER_FQDN`, so the pipeline keeps working when the GitLab host name changes.',
    );
  }
  const component = context.options.components.find((c) => c.name === name);
  if (component === undefined) {
    const near = closest(
      name,
      context.options.components.map((c) => c.name),
    );
    report(
      context,
      node,
      'error',
      'EUNKNOWNCOMPONENT',
      `no component ${show(name)} in ${context.options.library}${near !== undefined ? `; did you mean ${show(near)}?` : ''}`,
      `Components: ${context.options.components.map((c) => c.name).join(', ')}.`,
    );
    return undefined;
  }
  checkVersion(context, node, version);
  return component;
}

function checkVersion(context: Context, node: Node, version: string | undefined): void {
  if (version === undefined || version === '') {
    report(
      context,
      node,
      'error',
      'ENOVERSION',
      'the component reference has no `@<version>`',
      'Pin a release: `@1` (newest 1.x), `@1.2` or `@1.2.3`.',
    );
  } else if (version === '~latest') {
    report(
      context,
      node,
      'warning',
      'ELATEST',
      '`@~latest` moves to every new major release, breaking changes included',
      'Pin a major version such as `@1`.',
    );
  } else if (SHA.test(version)) {
    report(
      context,
      node,
      'warning',
      'ESHA',
      'a commit SHA pin has no release image',
      'Pin a release (`@1`), or set the `image` input.',
    );
  } else if (/^v\d/.test(version)) {
    report(
      context,
      node,
      'error',
      'EVERSION',
      `version ${show(version)}: release tags have no "v" prefix`,
      `Write @${version.slice(1)}.`,
    );
  } else if (!SEMVER.test(version)) {
    report(
      context,
      node,
      'warning',
      'EBRANCH',
      `version ${show(version)} looks like a branch: what it includes changes under your feet`,
      'Pin a release: `@1`, `@1.2` or `@1.2.3`.',
    );
  }
}

function checkInputs(context: Context, component: Component, entry: YAMLMap): Record<string, unknown> {
  const inputsNode = entry.get('inputs', true) as Node | undefined;
  const given: Record<string, unknown> = {};
  if (inputsNode !== undefined && !isMap(inputsNode)) {
    report(
      context,
      inputsNode,
      'error',
      'EINPUTS',
      '`inputs:` must be a mapping of input names to values',
      'Write one `name: value` per line under `inputs:`.',
    );
    return given;
  }
  const names = Object.keys(component.inputs);
  for (const pair of inputsNode !== undefined && isMap(inputsNode) ? inputsNode.items : []) {
    const keyNode = pair.key as Node;
    const name = isScalar(keyNode) ? String(keyNode.value) : '';
    const valueNode = pair.value as Node | null;
    const value = valueNode === null ? null : (valueNode.toJSON() as unknown);
    const spec = component.inputs[name];
    if (spec === undefined) {
      const near = closest(name, names);
      report(
        context,
        keyNode,
        'error',
        'EUNKNOWNINPUT',
        `${component.name} has no input ${show(name)}${near !== undefined ? `; did you mean ${show(near)}?` : ''}`,
        names.length <= 20
          ? `Its inputs: ${names.join(', ')}.`
          : `Its ${names.length} inputs are listed in components/${component.name}/README.md.`,
      );
      continue;
    }
    given[name] = value;
    checkValue(context, component, name, spec, value, valueNode ?? keyNode);
  }
  for (const [name, spec] of Object.entries(component.inputs)) {
    if (spec.default === undefined && !(name in given)) {
      report(
        context,
        inputsNode ?? entry,
        'error',
        'EREQUIRED',
        `${component.name} needs input ${show(name)}: ${spec.description}`,
        `Add \`${name}: …\` under inputs.`,
      );
    }
  }
  return given;
}

function checkValue(
  context: Context,
  component: Component,
  name: string,
  spec: InputSpec,
  value: unknown,
  node: Node,
): void {
  const type = inputTypeOf(spec);
  const where = `input ${show(name)} of ${component.name}`;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (actual !== type) {
    const hint =
      type === 'boolean' && (value === 'true' || value === 'false')
        ? `Write ${value} without quotes.`
        : type === 'number' &&
            typeof value === 'string' &&
            value.trim() !== '' &&
            Number.isFinite(Number(value))
          ? `Write ${value} without quotes.`
          : type === 'array'
            ? 'Write a YAML list: `[a, b]` or one `- item` per line.'
            : `Give a ${type}.`;
    report(context, node, 'error', 'ETYPE', `${where} must be a ${type}, got ${actual} ${show(value)}`, hint);
    return;
  }
  if (type === 'string' && typeof value === 'string') {
    if (value.includes('$[[')) return; // Interpolated by an enclosing component: checked there.
    const string = spec as Extract<InputSpec, { type?: 'string' }>;
    if (string.options !== undefined && !string.options.includes(value)) {
      const near = closest(value, string.options);
      report(
        context,
        node,
        'error',
        'EOPTION',
        `${where} is ${show(value)}, not one of ${string.options.map(show).join(', ')}`,
        near !== undefined ? `Did you mean ${show(near)}?` : 'Pick one of the options.',
      );
    } else if (
      string.regex !== undefined &&
      !/\$/.test(value) &&
      !new RegExp(string.regex, 'u').test(value)
    ) {
      report(
        context,
        node,
        'error',
        'EREGEX',
        `${where} is ${show(value)}, which does not match /${string.regex}/`,
        spec.description,
      );
    } else if (spec.default === undefined && value.trim() === '') {
      report(context, node, 'error', 'EEMPTY', `${where} is required and is empty`, spec.description);
    }
  }
  if (
    type === 'number' &&
    typeof value === 'number' &&
    'options' in spec &&
    spec.options !== undefined &&
    !(spec.options as readonly number[]).includes(value)
  ) {
    report(
      context,
      node,
      'error',
      'EOPTION',
      `${where} is ${value}, not one of ${spec.options.join(', ')}`,
      'Pick one of the options.',
    );
  }
}

// A component's job names are written with its inputs (`$[[ inputs.as ]]:plan:$[[ inputs.environment ]]`),
// so rendering them with the interpolation blocks shows which inputs tell two includes' jobs apart.
const INTERPOLATED = /\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*(?:\|[^\]]*)?\]\]/g;
const jobNameTemplates = new WeakMap<Component, readonly string[]>();

function jobNameTemplatesOf(component: Component): readonly string[] {
  let names = jobNameTemplates.get(component);
  if (names === undefined) {
    names = jobNamesOf(component);
    jobNameTemplates.set(component, names);
  }
  return names;
}

/**
 * The names of the jobs an include defines, with its inputs (after defaults) in place. A component
 * with no jobs of its own (one that only includes others) is known by its `as:` input, if it has one.
 */
export function includedJobNames(component: Component, inputs: Readonly<Record<string, unknown>>): string[] {
  const templates = jobNameTemplatesOf(component);
  const names = templates.length > 0 || component.inputs.as === undefined ? templates : [interpolation('as')];
  return names.map((name) =>
    name.replace(INTERPOLATED, (_, input: string) =>
      String(inputs[input] ?? component.inputs[input]?.default ?? ''),
    ),
  );
}

/** The inputs whose values appear in a component's job names: two includes differing in one define other jobs. */
export function jobNameInputs(component: Component): string[] {
  const inputs = new Set<string>();
  for (const name of jobNameTemplatesOf(component))
    for (const match of name.matchAll(INTERPOLATED)) if (match[1] !== undefined) inputs.add(match[1]);
  return [...inputs];
}

function checkJobCollisions(
  context: Context,
  used: readonly UsedComponent[],
  jobs: ReadonlyMap<string, Node>,
): void {
  // Job name -> the include that first defines it.
  const seen = new Map<string, UsedComponent>();
  const warned = new Set<string>();
  for (const entry of used) {
    const names = includedJobNames(entry.component, entry.inputs);
    const visible = names.filter((name) => !name.startsWith('.'));
    // The same component included again defines the same jobs only when every input its job names
    // are made of is the same: terraform once per `environment` shares its fmt and validate jobs on
    // purpose (GitLab merges them into one), and that is no mistake.
    const twin = visible.length > 0 && visible.every((name) => seen.get(name)?.component === entry.component);
    const other = visible
      .map((name) => seen.get(name))
      .find((e) => e !== undefined && e.component !== entry.component);
    const named =
      visible.length === 1 ? `the job name ${show(visible[0])}` : `the jobs ${visible.map(show).join(', ')}`;
    if (twin) {
      const distinct = jobNameInputs(entry.component).filter((input) => input !== 'as');
      report(
        context,
        entry.node,
        'error',
        'EDUPLICATE',
        `${entry.component.name} is included twice with ${named}; GitLab silently merges the two jobs into one`,
        `Give each include its own ${['as', ...distinct].map((input) => `\`${input}:\``).join(' or ')} input (and its own stage or inputs).`,
      );
    } else if (other !== undefined) {
      const name = visible.find((n) => seen.get(n) === other) ?? '';
      report(
        context,
        entry.node,
        'error',
        'EDUPLICATE',
        `${entry.component.name} and ${other.component.name} are both included with the job name ${show(name)}; GitLab silently merges the two jobs into one`,
        'Give one of the includes another `as:` input.',
      );
    }
    for (const name of visible) {
      const own = jobs.get(name);
      if (own !== undefined && !warned.has(name)) {
        warned.add(name);
        report(
          context,
          own,
          'warning',
          'EJOBCOLLISION',
          `job ${show(name)} has the name of the ${entry.component.name} component's job; GitLab merges them`,
          'Rename your job, or set the component’s `as:` input, unless you mean to override keywords of its job.',
        );
      }
      if (!seen.has(name)) seen.set(name, entry);
    }
  }
}

function checkStages(context: Context, root: YAMLMap, used: readonly UsedComponent[]): void {
  const stagesNode = root.get('stages', true) as Node | undefined;
  if (stagesNode === undefined) {
    for (const entry of used) {
      const stage = entry.inputs.stage;
      if (typeof stage === 'string' && !GITLAB_DEFAULT_STAGES.includes(stage) && !stage.includes('$')) {
        report(
          context,
          entry.node,
          'error',
          'ESTAGE',
          `stage ${show(stage)} is not one of GitLab's default stages and the file has no stages:`,
          `Add a \`stages:\` list with ${show(stage)}, or use one of ${GITLAB_DEFAULT_STAGES.join(', ')}.`,
        );
      }
    }
    return;
  }
  if (!isSeq(stagesNode)) return;
  const stages = stagesNode.items.map((item) => (isScalar(item) ? String(item.value) : ''));
  for (const entry of used) {
    const stage = entry.inputs.stage ?? entry.component.inputs.stage?.default;
    if (
      typeof stage === 'string' &&
      !stage.includes('$') &&
      !stages.includes(stage) &&
      stage !== '.pre' &&
      stage !== '.post'
    ) {
      report(
        context,
        entry.node,
        'error',
        'ESTAGE',
        `${entry.component.name} runs in stage ${show(stage)}, which stages: does not list`,
        `Add ${show(stage)} to stages:, or set the component's \`stage:\` input.`,
      );
    }
  }
}

export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.code}]\n    fix: ${d.fix}`;
}
