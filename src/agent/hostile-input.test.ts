import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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

/** Every option a site can have, so that the optional and nested fields are attacked too. */
const fullOptions = {
  gzip: false,
  index: ['index.html'],
  rewrite: 'spa',
  allow: ['192.0.2.0/24'],
  deny: ['198.51.100.7'],
  accessLog: false,
  rateLimit: { perSecond: 10, burst: 5 },
  bandwidthKb: 512,
  errorPages: [{ code: 404, page: '/errors/404.html' }],
  hotlinkProtection: { allow: ['cdn.example.com'] },
  passwordProtection: {
    path: '/admin',
    realm: 'Staff only',
    users: [{ username: 'ops', passwordHash: `{SSHA}${'A'.repeat(32)}` }],
  },
  snippet: 'add_header X-Site example;',
};
const siteId = '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b';
const fullSites = [
  {
    id: siteId,
    enabled: true,
    spec: { type: 'static', root: 'shop', domains: ['example.com', 'www.example.com'], options: fullOptions },
    tls: { source: 'custom', forceHttps: true, hsts: true },
  },
  {
    id: siteId,
    enabled: false,
    spec: {
      type: 'php',
      root: 'shop',
      phpVersion: '8.2',
      domains: ['shop.example.com'],
      options: fullOptions,
    },
  },
  {
    id: siteId,
    enabled: true,
    spec: {
      type: 'redirect',
      domains: ['old.example.com'],
      redirect: { to: 'https://example.org/new', code: 308, keepPath: false },
      options: fullOptions,
    },
    tls: null,
  },
];

/**
 * More valid inputs for the operations whose first sample leaves optional fields out; each is
 * attacked field by field like the first. The coverage test below fails when a field of an
 * operation's schema appears in none of its samples.
 */
const moreInputs: Partial<Record<AgentOpName, Record<string, unknown>[]>> = {
  'software.install': [{ name: 'php-fpm', version: '8.2' }],
  'software.service': [{ name: 'php-fpm', version: '8.2', action: 'restart' }],
  'software.logs': [{ name: 'php-fpm', version: '8.2', lines: 5 }],
  'websites.apply': fullSites.map((site) => ({ site })),
  'websites.remove': [
    ...fullSites.map((site) => ({ site, keepFiles: false })),
    { site: validInputs['websites.apply'].site, keepFiles: true },
  ],
  'websites.drift': [{ sites: [...fullSites, validInputs['websites.apply'].site] }],
  'websites.setCertificate': [...fullSites, validInputs['websites.apply'].site].map((site) => ({
    ...validInputs['websites.setCertificate'],
    site,
  })),
  'websites.issueCertificate': [...fullSites, validInputs['websites.apply'].site].map((site) => ({ site })),
  'databases.alter': [{ engine: 'mariadb', name: 'shop', collation: 'utf8mb4_bin' }],
};

/** Fields no valid input may hold: the agent takes a site's login as hashes only. */
const neverValid = new Set(
  [
    'websites.apply:site.',
    'websites.remove:site.',
    'websites.drift:sites.*.',
    'websites.setCertificate:site.',
    'websites.issueCertificate:site.',
  ].map((prefix) => `${prefix}spec.options.passwordProtection.users.*.password`),
);

function samplesOf(name: AgentOpName): Record<string, unknown>[] {
  return [validInputs[name], ...(moreInputs[name] ?? [])];
}

type JsonSchema = {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
};

/** Every path to a leaf field that a schema allows, list items written `*`: `site.spec.domains.*`. */
function schemaLeafPaths(schema: z.ZodType): Set<string> {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const paths = new Set<string>();
  const visit = (node: JsonSchema, path: string) => {
    if (node.$ref) return visit(root.$defs![node.$ref.replace('#/$defs/', '')]!, path);
    const alternatives = node.anyOf ?? node.oneOf ?? node.allOf;
    if (alternatives) return alternatives.forEach((alternative) => visit(alternative, path));
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties)) visit(child, path ? `${path}.${key}` : key);
      return;
    }
    if (node.type === 'array' && node.items) return visit(node.items, `${path}.*`);
    if (path) paths.add(path);
  };
  visit(root, '');
  return paths;
}

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
  // The field a value is in: for an item of a list (`index.0`), the list's name.
  const field = path.findLast((key) => typeof key === 'string');
  if ((field === 'upstream' || field === 'to') && value === 'http://a.com') return true;
  // An SQL comment marker is hostile in a database name; `a--b` is a fine folder name for a site.
  if (['root', 'index', 'realm', 'username'].includes(field as string) && value === 'a--b') return true;
  // A path inside a site (an error page, a login's path) is a URL path under the site's root.
  if ((field === 'page' || field === 'path') && value === '/etc/passwd') return true;
  // A realm is words shown in the browser's login prompt.
  if (field === 'realm' && value === 'a b') return true;
  // The snippet is nginx text an administrator writes as is, refused only by `nginx -t` (tested
  // against the real nginx in test/websites); here only NUL and oversize are refused.
  if (field === 'snippet' && typeof value === 'string') return value.length <= 8_000 && !value.includes('\0');
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

  it('the samples reach every field of every operation, optional and nested ones included', () => {
    for (const name of Object.keys(agentOps) as AgentOpName[]) {
      const covered = new Set(
        samplesOf(name).flatMap((sample) =>
          leafPaths(sample).map((path) => path.map((key) => (typeof key === 'number' ? '*' : key)).join('.')),
        ),
      );
      const missing = [...schemaLeafPaths(agentOps[name].input)].filter(
        (path) => !covered.has(path) && !neverValid.has(`${name}:${path}`),
      );
      expect(missing, name).toEqual([]);
    }
    for (const [name, input] of Object.entries(moreInputs)) {
      for (const sample of input) {
        expect(agentOps[name as AgentOpName].input.safeParse(sample).success, name).toBe(true);
      }
    }
  });

  it('a plain password for a site login is refused at the agent boundary', async () => {
    for (const name of ['websites.apply', 'websites.remove'] as const) {
      const input = moreInputs[name]![0]!;
      const plain = withLeaf(input, ['site', 'spec', 'options', 'passwordProtection', 'users', 0], {
        username: 'ops',
        password: 'a fine password',
      });
      const outcome = await dispatch(name, plain, { token: 'dwt_test' }).catch((error: unknown) =>
        error instanceof DiwanError ? error.code : String(error),
      );
      expect(outcome, name).toBe('DIWAN_E_VALIDATION');
    }
    expect(calls).toEqual([]);
  });

  for (const [name, valid] of (Object.keys(validInputs) as AgentOpName[]).flatMap((op) =>
    samplesOf(op).map((sample) => [op, sample] as const),
  )) {
    const shape = (agentOps[name as AgentOpName].input as unknown as z.ZodObject).shape as Record<
      string,
      unknown
    >;
    const fields = Object.keys(shape);

    it(`${name}: each field with hostile strings and wrong types, and unknown fields`, async () => {
      calls.length = 0;
      /** Each input with what was changed in it, for the failure message. */
      const attempts: { input: Record<string, unknown>; change: string }[] = [];
      const describeChange = (path: Path, value: unknown) =>
        `${path.join('.')} = ${JSON.stringify(value)?.slice(0, 60)}`;
      const strings = name.startsWith('software.') ? [...hostileStrings, ...notInCatalog] : hostileStrings;
      for (const field of fields) {
        for (const value of [...strings, ...wrongTypes]) {
          // An empty list is the right type for a list field (drift over no sites), not a wrong one.
          const sameKind =
            (Array.isArray(valid[field]) && Array.isArray(value) && value.length === 0) ||
            // null where the field may be null (a follow's first step has no offset yet)
            (value === null && (shape[field] as z.ZodType).safeParse(null).success);
          const bothFlags = typeof valid[field] === 'boolean' && typeof value === 'boolean';
          if (valid[field] !== value && !sameKind && !bothFlags && !harmless([field], value))
            attempts.push({ input: { ...valid, [field]: value }, change: describeChange([field], value) });
        }
      }
      // Nested fields too (a site's domains, upstream, redirect target…), one leaf at a time.
      for (const path of leafPaths(valid).filter((p) => p.length > 1)) {
        for (const value of [...hostileStrings, ...wrongTypes]) {
          const original = leafAt(valid, path);
          // The other boolean is no wrong type: a flag has two right values.
          const bothFlags = typeof original === 'boolean' && typeof value === 'boolean';
          if (harmless(path, value) || original === value || bothFlags) continue;
          attempts.push({ input: withLeaf(valid, path, value), change: describeChange(path, value) });
        }
      }
      attempts.push(
        { input: { ...valid, command: 'id' }, change: 'unknown field command' },
        {
          input: { ...valid, ...(JSON.parse('{"__proto__":{"name":"x"}}') as object) },
          change: 'unknown field __proto__',
        },
        { input: { ...valid, constructor: 'x' }, change: 'unknown field constructor' },
      );
      const accepted: string[] = [];
      for (const { input, change } of attempts) {
        const outcome = await dispatch(name, input, { token: 'dwt_test' }).then(
          () => 'ran',
          (error: unknown) => (error instanceof DiwanError ? error.code : String(error)),
        );
        if (outcome !== 'DIWAN_E_VALIDATION') accepted.push(`${change} → ${outcome}`);
      }
      expect(accepted).toEqual([]);
      expect(calls).toEqual([]);
    });
  }
});
