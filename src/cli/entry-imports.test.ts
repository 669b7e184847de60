import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../', import.meta.url));

/** The files `entry` loads before any of its code runs: its static value imports, followed through. */
function staticImportsOf(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // `import … from '…'`, `export … from '…'` and `import '…'`; not `import type`, not `import()`.
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'(\.[^']+)'/gm)) {
      visit(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
    }
  };
  visit(join(src, entry));
  return seen;
}

describe('what each command loads', () => {
  it('every command shares one entry, yet the web tier never holds the agent code', () => {
    // `diwan serve` is the unprivileged web tier: the code that changes the host (src/agent/) must
    // not be in its memory. The agent and `diwan site` load it when they run (import()).
    for (const entry of ['cli/main.ts', 'server/main.ts']) {
      const agentFiles = [...staticImportsOf(entry)]
        .map((file) => relative(src, file))
        .filter((file) => file.startsWith('agent/'));
      expect(agentFiles, entry).toEqual([]);
    }
  });

  it('the web tier loads the API docs (@fastify/swagger and its UI) only when someone opens them', () => {
    // About 100 modules and 2 MB of heap that only a developer's first visit to /api/docs needs.
    const packages = new Set<string>();
    for (const file of staticImportsOf('server/main.ts')) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^import\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'([^.'][^']*)'/gm)) {
        packages.add(match[1]!);
      }
    }
    expect(packages).toContain('fastify'); // the walk sees package imports at all
    expect([...packages].filter((name) => name.startsWith('@fastify/swagger'))).toEqual([]);
  });

  it('the walk follows imports through the tree', () => {
    const files = [...staticImportsOf('cli/commands/sites.ts')].map((file) => relative(src, file));
    expect(files).toContain('server/features/websites/store.ts');
    expect(files).toContain('contract/websites.ts');
    expect([...staticImportsOf('agent/agent.ts')].length).toBeGreaterThan(20);
  });
});
