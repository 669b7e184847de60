import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './config/load.js';

/** Diwan's version, from its package.json (the same file in a checkout and an installed copy). */
export const version: string = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;
