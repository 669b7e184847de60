import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DiwanEnv } from './types.js';

export interface EnvironmentClues {
  /** The process environment (DIWAN_ENV, NODE_ENV, CI, VITEST). */
  env: NodeJS.ProcessEnv;
  /** Root of the Diwan package being run. */
  packageRoot: string;
  /** Name of the container runtime Diwan runs in, if any. */
  container: string | null;
}

export interface DetectedEnvironment {
  env: DiwanEnv | null;
  /** Why this environment was chosen, for `diwan config check` and `diwan doctor`. */
  reason: string;
  checkout: boolean;
}

/** A source checkout carries the TypeScript sources; an installed Diwan carries only `dist/`. */
export function isSourceCheckout(packageRoot: string): boolean {
  return existsSync(join(packageRoot, 'src', 'server', 'main.ts'));
}

/**
 * Chooses the environment from how Diwan was started. `DIWAN_ENV` wins; a test runner means test; a
 * source checkout means development (test under CI), even inside a container: a developer's container
 * holds a checkout, while Diwan's production image holds only `dist/`. Anything else is an installed
 * copy: production. Returns env null (with the reason) when DIWAN_ENV names no known environment.
 */
export function detectEnvironment({ env, packageRoot, container }: EnvironmentClues): DetectedEnvironment {
  const checkout = isSourceCheckout(packageRoot);
  const explicit = env.DIWAN_ENV?.trim();
  if (explicit) {
    const known = explicit === 'development' || explicit === 'production' || explicit === 'test';
    return { env: known ? explicit : null, reason: 'DIWAN_ENV', checkout };
  }
  if (env.VITEST || env.NODE_ENV === 'test') return { env: 'test', reason: 'test runner', checkout };
  if (checkout) {
    return env.CI
      ? { env: 'test', reason: 'source checkout under CI', checkout }
      : { env: 'development', reason: 'source checkout', checkout };
  }
  const where = container ? `installed copy in a container (${container})` : 'installed copy';
  return { env: 'production', reason: where, checkout };
}
