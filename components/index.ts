import type { Component } from '../src/model/component.ts';
import ansible from './ansible/component.ts';
import argocdPromote from './argocd-promote/component.ts';
import commitlint from './commitlint/component.ts';
import image from './image/component.ts';
import lint from './lint/component.ts';
import semanticRelease from './semantic-release/component.ts';
import terraform from './terraform/component.ts';
import vault from './vault/component.ts';

// Every component the library publishes, in the order the catalog lists them.
export const components: readonly Component[] = [
  commitlint as unknown as Component,
  semanticRelease as unknown as Component,
  image as unknown as Component,
  terraform as unknown as Component,
  vault as unknown as Component,
  lint as unknown as Component,
  argocdPromote as unknown as Component,
  ansible as unknown as Component,
];
