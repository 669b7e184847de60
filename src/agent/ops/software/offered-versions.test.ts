import { describe, expect, it } from 'vitest';
import type { PackageManager } from '../../system/packages.js';
import type { ServiceManager } from '../../system/services.js';
import { createSoftwareOps } from './handlers.js';

/**
 * The versions the distro offers are slow to ask for (apt-cache: up to a second), so the agent asks
 * once at start and then serves what it knows while it refreshes. These tests count the questions.
 * The host itself is not faked anywhere else: test/software/software.test.ts drives real apt.
 */
function countingPackages() {
  const calls = { available: 0 };
  let release: (() => void) | null = null;
  const packages: PackageManager = {
    kind: 'apt',
    installedVersions: (names) => Promise.resolve(new Map(names.map((name) => [name, null]))),
    available: async (names) => {
      calls.available += 1;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return new Map(names.map((name) => [name, name === 'php8.2-fpm' ? '8.2.1' : null]));
    },
    findNames: () => Promise.resolve([]),
    install: () => Promise.resolve(),
    remove: () => Promise.resolve(),
  };
  return { packages, calls, release: () => release?.() };
}

const services = {
  init: 'sysv',
  enabledAtBoot: (units: readonly string[]) => Promise.resolve(new Map(units.map((u) => [u, false]))),
} as unknown as ServiceManager;

const phpVariants = (result: { software: { name: string; variants: { version: string }[] }[] }) =>
  result.software.find((row) => row.name === 'php-fpm')?.variants.map((variant) => variant.version);

describe('versions the distro offers', () => {
  it('are asked for once at start-up, and the first status waits for that same answer', async () => {
    const { packages, calls, release } = countingPackages();
    const ops = createSoftwareOps({ services, packages, protectedNames: new Set(), probe: () => [] });
    ops.warm();
    ops.warm();
    const first = ops.status();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.available).toBe(1);
    release();
    expect(phpVariants(await first)).toEqual(['8.2']);
    expect(phpVariants(await ops.status())).toEqual(['8.2']);
    expect(calls.available).toBe(1);
  });

  it('after apt ran, the old answer is served while a new one is fetched', async () => {
    const { packages, calls, release } = countingPackages();
    const ops = createSoftwareOps({ services, packages, protectedNames: new Set(), probe: () => [] });
    const first = ops.status();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await first;
    const events: unknown[] = [];
    await ops.install({ name: 'nftables' }, { emit: (event: unknown) => events.push(event) } as never);
    expect(calls.available).toBe(2); // the refresh started
    // status does not wait for the refresh that is still out
    expect(phpVariants(await ops.status())).toEqual(['8.2']);
    release();
  });
});
