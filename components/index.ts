import type { Component } from '../src/model/component.ts';
import commitlint from './commitlint/component.ts';
import lint from './lint/component.ts';

// Every component the library publishes, in the order the catalog lists them.
export const components: readonly Component[] = [
  commitlint as unknown as Component,
  lint as unknown as Component,
];
