import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { knownVariables, loadConfig } from '../../src/server/config/load.js';

// There is no Docker engine on this machine, and its docker client has no compose plugin, so neither
// `docker build` nor `docker compose config` can run here. What can be checked without them is:
// the compose file parses, its variables resolve from the example env file, every DIWAN_ variable it
// sets is one the config factory knows and accepts together, and the Dockerfile's shape.

const root = new URL('../../', import.meta.url);
const composeText = readFileSync(new URL('deploy/docker/compose.yml', root), 'utf8');
const dockerfile = readFileSync(new URL('deploy/docker/Dockerfile', root), 'utf8');
const example = readFileSync(new URL('deploy/docker/diwan.env.example', root), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  networks?: string[];
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: { subnet: string; gateway: string }[] } }>;
  volumes: Record<string, unknown>;
}

/** Compose's interpolation: ${VAR}, ${VAR:?message}, ${VAR:-default}; a missing required one throws. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_whole, name: string, kind?: string, rest?: string) => {
      const value = env[name];
      if (value) return value;
      if (kind === '-') return rest ?? '';
      if (kind === '?') throw new Error(`${name}: ${rest}`);
      return '';
    },
  );
}

const sample = {
  DIWAN_SECRET: 'a'.repeat(64),
  DIWAN_METRICS_TOKEN: 'b'.repeat(64),
  POSTGRES_PASSWORD: 'c'.repeat(64),
  REDIS_PASSWORD: 'd'.repeat(64),
  DIWAN_AGENT_GID: '998',
};
const compose = parse(interpolate(composeText, sample), { merge: true }) as Compose;

describe('deploy/docker/compose.yml', () => {
  it('runs the web tier with PostgreSQL 15 and Redis 7, each with a health check, data on volumes', () => {
    const { diwan, postgres, redis, migrate } = compose.services;
    expect(postgres?.image).toMatch(/^postgres:15(\.|-|$)/);
    expect(redis?.image).toMatch(/^redis:7(\.|-|$)/);
    for (const [name, service] of Object.entries({ diwan, postgres, redis })) {
      expect(service?.healthcheck?.test.length, name).toBeGreaterThan(0);
    }
    expect(diwan?.healthcheck?.test.join(' ')).toContain('/healthz');
    expect(diwan?.volumes).toContain('diwan-data:/var/lib/diwan');
    expect(postgres?.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(redis?.volumes).toContain('redis-data:/data');
    expect(Object.keys(compose.volumes).sort()).toEqual(['diwan-data', 'postgres-data', 'redis-data']);
    // Migrations first, and only once the database answers; the web tier after them.
    expect(migrate?.command).toEqual(['migrate', 'up']);
    expect(migrate?.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(diwan?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    // Hardened like the systemd unit: no capabilities, read-only root, only loopback published.
    expect(diwan?.read_only).toBe(true);
    expect(diwan?.cap_drop).toEqual(['ALL']);
    expect(composeText).toMatch(/'127\.0\.0\.1:8686:8686'/);
  });

  it('takes every secret from the env file: each variable it needs is in the example and required', () => {
    const used = new Set([...composeText.matchAll(/\$\{(\w+)/g)].map((m) => m[1]!));
    const listed = new Set([...example.matchAll(/^(\w+)=/gm)].map((m) => m[1]!));
    expect([...used].sort()).toEqual([...listed].sort());
    for (const name of used) {
      expect(composeText, name).not.toMatch(new RegExp(`\\$\\{${name}\\}`)); // always :? (required)
      expect(() => interpolate(composeText, { ...sample, [name]: '' }), name).toThrow(name);
    }
    // No secret is written in the file itself.
    expect(composeText).not.toMatch(/(PASSWORD|SECRET|TOKEN):\s*['"]?[A-Za-z0-9]{8,}/);
  });

  it('sets only DIWAN_ variables the config factory knows, and it accepts them together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diwan-compose-'));
    try {
      const emptyFile = join(dir, 'empty.env');
      writeFileSync(emptyFile, '');
      for (const name of ['diwan', 'migrate']) {
        const environment = compose.services[name]!.environment!;
        const diwanKeys = Object.keys(environment).filter((key) => key.startsWith('DIWAN_'));
        expect(
          diwanKeys.filter((key) => !(knownVariables as readonly string[]).includes(key)),
          name,
        ).toEqual([]);
        const { config, issues, warnings } = loadConfig({
          env: environment,
          configFile: emptyFile,
          packageRoot: dir,
        });
        expect(issues, name).toEqual([]);
        expect(warnings, name).toEqual([]);
        expect(config?.env).toBe('production');
        expect(config?.database.dialect).toBe('postgres');
        expect(config?.redisUrl).toMatch(/^redis:\/\/:d+@redis:6379\/0$/);
        // nginx on the host reaches the container through this network's gateway: trust that one only.
        const gateway = compose.networks.diwan!.ipam.config[0]!.gateway;
        expect(config?.trustedProxies).toEqual([gateway]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/docker/Dockerfile', () => {
  const stages = dockerfile.split('\n').filter((line) => line.startsWith('FROM '));
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds in one stage and runs Node 20 on Debian 12 slim in another, as a user that is not root', () => {
    expect(stages).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim']);
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/^RUN npm run build && npm prune --omit=dev/m);
    expect(final).toMatch(/^USER diwan$/m);
    expect(final).not.toMatch(/^USER (root|0)\b/m);
    expect(final).toMatch(
      /^ENTRYPOINT \["node", "--max-semi-space-size=1", "\/opt\/diwan\/bin\/diwan\.js"\]$/m,
    );
    expect(final).toMatch(/^CMD \["serve"\]$/m);
    expect(final).toMatch(/HEALTHCHECK[^\n]*\\\n\s+CMD \[[^\n]*127\.0\.0\.1:8686\/healthz/);
    expect(final).toMatch(/^EXPOSE 8686$/m);
  });

  it('copies what exists (or what the build makes), and the build context leaves secrets and junk out', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      scripts: Record<string, string>;
      files: string[];
    };
    expect(pkg.scripts.build).toBeTruthy();
    for (const match of final.matchAll(/^COPY --from=build (.+) \S+$/gm)) {
      for (const source of match[1]!.split(' ').map((path) => path.replace('/src/', ''))) {
        if (source === 'dist' || source === 'node_modules') continue; // made by the build stage
        expect(existsSync(new URL(source, root)), source).toBe(true);
      }
    }
    // Everything the published package needs at run time is in the image.
    for (const dir of pkg.files) expect(final).toContain(`/src/${dir} ./${dir}`);
    const ignore = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n');
    for (const entry of [
      '.git',
      'node_modules',
      'dist',
      'data',
      '.env',
      'diwan.env',
      'deploy/docker/*.env',
    ]) {
      expect(ignore, entry).toContain(entry);
    }
  });
});
