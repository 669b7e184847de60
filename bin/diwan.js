#!/usr/bin/env node
// Entry of the `diwan` command. A source checkout runs the TypeScript sources through tsx, so that
// `npx diwan` always runs what is on disk; an installed copy (no src/) runs the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source) && process.env.DIWAN_USE_DIST !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
