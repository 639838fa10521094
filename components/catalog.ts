import type { CatalogEntry, Preset } from '../src/model/preset.ts';
import dotnetService from './dotnet-service/component.ts';
import { components } from './index.ts';
import infra from './infra/component.ts';
import nodeService from './node-service/component.ts';
import pythonService from './python-service/component.ts';

// Apart from index.ts, which the CLI loads at every start: the CLI runs components' actions, and
// presets have none.
// The presets: one include that gives a repository its whole pipeline, made of the components above.
export const presets: readonly Preset[] = [nodeService, pythonService, dotnetService, infra];

// What the catalog publishes: every template, components then presets.
export const catalog: readonly CatalogEntry[] = [...components, ...presets];
