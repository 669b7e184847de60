import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import hostile from '../../test/fixtures/hostile-inputs.json' with { type: 'json' };
import { agentOps, type AgentOpName } from '../contract/agent-ops.js';
import { DiwanError } from '../contract/errors.js';
import { hasControl } from '../contract/websites.js';
import { createDispatcher, type Handlers } from './dispatch.js';

/** A valid input for every operation: each test changes one field of it. */
const validInputs: { [N in AgentOpName]: Record<string, unknown> } = {
  'system.ping': {},
  'system.info': {},
  'system.sample': {},
  'software.status': {},
  'software.install': { name: 'fail2ban' },
  'software.uninstall': { name: 'php-fpm', version: '8.2' },
  'software.service': { name: 'nginx', action: 'reload' },
  'software.logs': { name: 'nginx', lines: 10 },
  'websites.apply': {
    site: {
      id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b',
      enabled: true,
      spec: { type: 'proxy', domains: ['example.com'], upstream: 'http://127.0.0.1:3000' },
    },
  },
  'websites.remove': {
    site: {
      id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b',
      enabled: true,
      spec: {
        type: 'redirect',
        domains: ['example.com'],
        redirect: { to: 'https://example.org', code: 301, keepPath: true },
      },
    },
    keepFiles: true,
  },
  'websites.setCertificate': {
    site: {
      id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b',
      enabled: true,
      spec: { type: 'static', domains: ['example.com'] },
      tls: { source: 'custom', forceHttps: true, hsts: false },
    },
    chain: '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n',
    key: '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n',
  },
  'websites.issueCertificate': {
    site: {
      id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b',
      enabled: true,
      spec: { type: 'proxy', domains: ['example.com'], upstream: 'http://127.0.0.1:3000' },
      tls: { source: 'letsencrypt', forceHttps: false, hsts: true },
    },
  },
  'websites.renewCertificate': { id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b' },
  'websites.files': { id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b' },
  'websites.logFollow': { id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b', kind: 'access', offset: 1024 },
  'websites.logs': { id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b', kind: 'error', lines: 50, search: 'GET /' },
  'websites.drift': {
    sites: [
      {
        id: '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b',
        enabled: false,
        spec: { type: 'php', domains: ['example.com'], phpVersion: '8.2', root: 'shop' },
      },
    ],
  },
  'databases.list': { engine: 'mariadb', names: ['shop'] },
  'databases.create': {
    engine: 'mariadb',
    name: 'shop',
    username: 'shop_user',
    password: 'Correct-horse-9',
    hosts: ['localhost'],
    charset: 'utf8mb4',
    collation: 'utf8mb4_unicode_ci',
  },
  'databases.alter': { engine: 'mariadb', name: 'shop', charset: 'utf8mb4' },
  'databases.drop': {
    engine: 'postgresql',
    name: 'shop',
    revoke: [{ username: 'shop_ro', hosts: ['localhost'] }],
    dropUsers: [{ username: 'shop_user', hosts: ['localhost'] }],
  },
  'databases.createUser': {
    engine: 'mariadb',
    name: 'shop',
    username: 'shop_ro',
    password: 'Correct-horse-9',
    hosts: ['127.0.0.1'],
  },
  'databases.dropUser': { engine: 'mariadb', username: 'shop_ro', hosts: ['%'] },
  'databases.setPassword': {
    engine: 'postgresql',
    username: 'shop_user',
    hosts: ['localhost'],
    password: 'Correct-horse-9',
  },
  'databases.setHosts': {
    username: 'shop_user',
    from: ['localhost'],
    to: ['localhost', '192.0.2.7'],
    password: 'Correct-horse-9',
    names: ['shop'],
  },
  'databases.grant': { engine: 'mariadb', name: 'shop', username: 'shop_ro', hosts: ['::1'] },
  'databases.export': {
    engine: 'mariadb',
    name: 'shop',
    file: '0b0c2a4e-6f1d-4f7e-9a38-3a2f1c9d8e7b-1796000000000.sql.gz',
  },
  'databases.import': {
    engine: 'postgresql',
    name: 'shop',
    owner: 'shop_user',
    upload: '0b0c2a4e-6f1d-4f7e-9a38-3a2f1c9d8e7b',
    path: '/var/backups/shop.sql.gz',
  },
  'redis.status': {},
  'redis.setPassword': { password: 'Correct-horse-9' },
  'databases.remoteAccess': { username: 'shop_user', access: 'remote' },
  'databases.revoke': { engine: 'mariadb', name: 'shop', username: 'shop_ro', hosts: ['10.0.0.1'] },
};

const groups = ['shell', 'argument', 'path', 'control', 'unicode', 'size', 'format', 'nginx', 'sql'] as const;
/** The corpus writes long strings as `__REPEAT_x_N__`: the character x repeated N times. */
const expand = (value: string) =>
  value.replace(/^__REPEAT_(.)_(\d+)__$/s, (_match, char: string, count: string) =>
    char.repeat(Number(count)),
  );
const hostileStrings: string[] = [
  ...groups.flatMap((group) =>
    ((hostile as unknown as Record<string, { values?: string[] }>)[group]?.values ?? []).map(expand),
  ),
  'nginx\0',
  '../nginx',
  'nginx ',
  'x'.repeat(10_000),
];
/** Hostile only where a catalog name is expected: `apache2` is a fine database name, `NGINX` a folder. */
const notInCatalog = ['apache2', 'NGINX'];
/** Values of the wrong type for any field. */
const wrongTypes: unknown[] = [
  null,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  -1,
  1.5,
  [],
  {},
  true,
  { $gt: '' },
];

type Path = (string | number)[];

/** Every path to a string, number or boolean inside an input. */
function leafPaths(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leafPaths(item, [...path, index]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...path, key]));
  return [path];
}

function leafAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);
}

function withLeaf(value: unknown, path: Path, leaf: unknown): Record<string, unknown> {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = leaf;
  return copy;
}

/**
 * Hostile strings that are, in one place, a legitimate value: a plain http URL is a fine upstream or
 * redirect target (the corpus lists it as hostile where a domain is expected), and so on.
 */
function harmless(path: Path, value: unknown): boolean {
  const field = path.at(-1);
  if ((field === 'upstream' || field === 'to') && value === 'http://a.com') return true;
  // An SQL comment marker is hostile in a database name; `a--b` is a fine folder name for a site.
  if (field === 'root' && value === 'a--b') return true;
  // A log search is free text, only ever compared in memory (test/websites shows it inert); only
  // control characters and oversize are refused there.
  return field === 'search' && typeof value === 'string' && value.length <= 200 && !hasControl(value);
}

function recordingHandlers(calls: string[]): Handlers {
  return Object.fromEntries(
    Object.keys(agentOps).map((name) => [
      name,
      async () => {
        calls.push(name);
        throw new Error('a handler ran on hostile input');
      },
    ]),
  ) as unknown as Handlers;
}

describe('every agent operation refuses hostile input before anything runs', () => {
  const calls: string[] = [];
  const dispatch = createDispatcher({
    handlers: recordingHandlers(calls),
    authorizer: { authorize: async () => ({ actor: 'admin' }) },
    onRefused: () => undefined,
  });

  it('has a valid sample input for every declared operation', () => {
    expect(Object.keys(validInputs).sort()).toEqual(Object.keys(agentOps).sort());
    for (const [name, input] of Object.entries(validInputs)) {
      expect(agentOps[name as AgentOpName].input.safeParse(input).success, name).toBe(true);
    }
  });

  for (const [name, valid] of Object.entries(validInputs)) {
    const shape = (agentOps[name as AgentOpName].input as unknown as z.ZodObject).shape as Record<
      string,
      unknown
    >;
    const fields = Object.keys(shape);

    it(`${name}: each field with hostile strings and wrong types, and unknown fields`, async () => {
      const attempts: Record<string, unknown>[] = [];
      const strings = name.startsWith('software.') ? [...hostileStrings, ...notInCatalog] : hostileStrings;
      for (const field of fields) {
        for (const value of [...strings, ...wrongTypes]) {
          // An empty list is the right type for a list field (drift over no sites), not a wrong one.
          const sameKind =
            (Array.isArray(valid[field]) && Array.isArray(value) && value.length === 0) ||
            // null where the field may be null (a follow's first step has no offset yet)
            (value === null && (shape[field] as z.ZodType).safeParse(null).success);
          if (valid[field] !== value && !sameKind && !harmless([field], value))
            attempts.push({ ...valid, [field]: value });
        }
      }
      // Nested fields too (a site's domains, upstream, redirect target…), one leaf at a time.
      for (const path of leafPaths(valid).filter((p) => p.length > 1)) {
        for (const value of [...hostileStrings, ...wrongTypes]) {
          const original = leafAt(valid, path);
          // The other boolean is no wrong type: a flag has two right values.
          const bothFlags = typeof original === 'boolean' && typeof value === 'boolean';
          if (harmless(path, value) || original === value || bothFlags) continue;
          attempts.push(withLeaf(valid, path, value));
        }
      }
      attempts.push(
        { ...valid, command: 'id' },
        { ...valid, ...(JSON.parse('{"__proto__":{"name":"x"}}') as object) },
        { ...valid, constructor: 'x' },
      );
      for (const input of attempts) {
        const outcome = await dispatch(name, input, { token: 'dwt_test' }).then(
          () => 'ran',
          (error: unknown) => (error instanceof DiwanError ? error.code : String(error)),
        );
        expect(outcome, `${name} ${JSON.stringify(input).slice(0, 600)}`).toBe('DIWAN_E_VALIDATION');
      }
      expect(calls).toEqual([]);
    });
  }
});
