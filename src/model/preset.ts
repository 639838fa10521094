import { type Component, interpolations } from './component.ts';
import { type InputSpec, interpolation } from './inputs.ts';

// A preset is a component made of other components: one include that gives a repository its whole
// pipeline. It owns no jobs and no CLI actions; the generator renders each part's own jobs with the
// part's inputs bound to the preset's, so the jobs run exactly the commands, with exactly the job
// variables, that including the part alone would give.
//
// Every input of every part stays reachable through the preset, under a name that says whose it is:
//   <input>                   an input all parts share (`image`, the Vault ones): one value for all;
//   <prefix>_<input>          one part's input (`lint_linters`, `promote_gitops_repository`);
//   <prefix>_<instance>_<input>  an input that differs between the instances of a part included
//                             several times (`terraform_staging_proxmox_api_token`).

export interface PresetPart {
  readonly component: Component;
  /** Prefix of the part's inputs in the preset (snake_case). */
  readonly prefix: string;
  /** Defaults that fit this preset, replacing the component's own (the input stays settable). */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** Descriptions of inputs whose default here says something other than the component's. */
  readonly descriptions?: Readonly<Record<string, string>>;
  /**
   * The part included once per instance (per environment, say): for each instance, the defaults of
   * the inputs that differ between instances. The inputs named here become per-instance inputs; the
   * others are shared by all instances. A job every instance defines alike (terraform's fmt) is
   * defined once; where the instances' copies differ, the last instance's wins, as GitLab merges a
   * component included several times.
   */
  readonly instances?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A CI/CD variable a preset's jobs read, set once at group level. */
export interface GroupVariable {
  readonly name: string;
  readonly what: string;
}

export interface PresetDefinition {
  /** kebab-case; the template is `templates/<name>.yml`. */
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  /**
   * Inputs every part that has them shares under their own name, and the defaults the preset gives
   * them. A part that gives one a default of its own gets its own input instead (`lint_image`).
   */
  readonly shared: Readonly<Record<string, unknown>>;
  readonly parts: readonly PresetPart[];
  /** What the jobs read from group-level CI/CD variables: the docs and `oneex-ci init` list them. */
  readonly variables: readonly GroupVariable[];
  /** Inputs shown in the docs' usage snippet. */
  readonly usage?: Readonly<Record<string, unknown>>;
}

/** Where a preset input goes: which part (and instance), which of its inputs. */
export interface InputTarget {
  readonly component: string;
  readonly instance?: string;
  readonly input: string;
}

export interface Preset extends PresetDefinition {
  readonly kind: 'preset';
  /** The preset's `spec:inputs`, in the order of the parts. */
  readonly inputs: Readonly<Record<string, InputSpec>>;
  /** For each preset input, the part inputs it feeds. */
  readonly targets: Readonly<Record<string, readonly InputTarget[]>>;
  /** The parts as the generator renders them: one entry per include, with the part's bindings. */
  readonly includes: readonly {
    readonly component: Component;
    readonly instance?: string;
    /** Each input of the component, as the preset's interpolation block that feeds it. */
    readonly bindings: Readonly<Record<string, string>>;
  }[];
}

export type CatalogEntry = Component | Preset;

export const isPreset = (entry: CatalogEntry): entry is Preset => 'kind' in entry && entry.kind === 'preset';

function withDefault(spec: InputSpec, value: unknown, where: string): InputSpec {
  if (value === undefined) return spec;
  const type = spec.type ?? 'string';
  const fits =
    type === 'array'
      ? Array.isArray(value)
      : type === 'number'
        ? typeof value === 'number'
        : type === 'boolean'
          ? typeof value === 'boolean'
          : typeof value === 'string';
  if (!fits)
    throw new Error(`${where}: default ${JSON.stringify(value)} is not of the input's type, ${type}`);
  return { ...spec, default: value } as InputSpec;
}

/** Builds a preset's inputs and bindings from its parts; refuses a definition that names unknown inputs. */
export function definePreset(definition: PresetDefinition): Preset {
  const inputs: Record<string, InputSpec> = {};
  const targets: Record<string, InputTarget[]> = {};
  const includes: Preset['includes'][number][] = [];
  const where = (part: PresetPart) => `preset "${definition.name}", part "${part.prefix}"`;

  const declare = (name: string, spec: InputSpec, target: InputTarget, source: string): string => {
    const existing = inputs[name];
    if (existing === undefined) inputs[name] = spec;
    else if ((existing.type ?? 'string') !== (spec.type ?? 'string'))
      throw new Error(`${source}: shared input "${name}" has another type in "${target.component}"`);
    targets[name] = [...(targets[name] ?? []), target];
    return interpolation(name);
  };

  for (const part of definition.parts) {
    const names = Object.keys(part.component.inputs);
    const instanceNames = Object.keys(part.instances ?? { '': {} });
    const perInstance = new Set(Object.values(part.instances ?? {}).flatMap((d) => Object.keys(d)));
    for (const name of [
      ...Object.keys(part.defaults ?? {}),
      ...Object.keys(part.descriptions ?? {}),
      ...perInstance,
    ])
      if (!names.includes(name))
        throw new Error(`${where(part)}: component "${part.component.name}" has no input "${name}"`);

    for (const instance of instanceNames) {
      const bindings: Record<string, string> = {};
      for (const [name, own] of Object.entries(part.component.inputs)) {
        const description = part.descriptions?.[name];
        const spec = description === undefined ? own : { ...own, description };
        const target = { component: part.component.name, input: name, ...(instance ? { instance } : {}) };
        if (perInstance.has(name)) {
          const value = part.instances?.[instance]?.[name] ?? part.defaults?.[name];
          const input = `${part.prefix}_${instance}_${name}`;
          bindings[name] = declare(
            input,
            withDefault(spec, value, `${where(part)}, ${input}`),
            target,
            where(part),
          );
        } else if (name in definition.shared && !(name in (part.defaults ?? {}))) {
          bindings[name] = declare(
            name,
            withDefault(spec, definition.shared[name], `${where(part)}, ${name}`),
            target,
            where(part),
          );
        } else {
          const input = `${part.prefix}_${name}`;
          bindings[name] = declare(
            input,
            withDefault(spec, part.defaults?.[name], `${where(part)}, ${input}`),
            target,
            where(part),
          );
        }
      }
      includes.push({ component: part.component, ...(instance ? { instance } : {}), bindings });
    }
  }
  for (const name of Object.keys(definition.shared))
    if (targets[name] === undefined)
      throw new Error(`preset "${definition.name}": no part has the shared input "${name}"`);

  return { ...definition, kind: 'preset', inputs, targets, includes };
}

/** The names of the jobs an entry defines, written with its own inputs' interpolation blocks. */
export function jobNamesOf(entry: CatalogEntry): string[] {
  if (!isPreset(entry)) return Object.keys(entry.jobs(interpolations(entry.inputs)));
  const names = entry.includes.flatMap((include) =>
    Object.keys(include.component.jobs(include.bindings as Parameters<Component['jobs']>[0])),
  );
  return [...new Set(names)];
}
