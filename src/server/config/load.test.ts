import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, formatIssues } from './describe.js';
import { loadConfig } from './load.js';

const secret = 'x'.repeat(32);
const installedRoot = mkdtempSync(join(tmpdir(), 'diwan-installed-')); // no src/: an installed copy
// A checkout of its own, so that a developer's ./diwan.env in the real checkout cannot change results.
const checkoutRoot = mkdtempSync(join(tmpdir(), 'diwan-checkout-'));
mkdirSync(join(checkoutRoot, 'src', 'server'), { recursive: true });
writeFileSync(join(checkoutRoot, 'src', 'server', 'main.ts'), '');

function load(env: Record<string, string>, extra: Parameters<typeof loadConfig>[0] = {}) {
  return loadConfig({ env, cwd: '/tmp', packageRoot: checkoutRoot, ...extra });
}

describe('environment detection', () => {
  it('runs a source checkout in development', () => {
    const result = load({});
    expect(result.environment).toMatchObject({
      env: 'development',
      checkout: true,
      reason: 'source checkout',
    });
    expect(result.config?.dataDir).toBe(join(checkoutRoot, 'data'));
    expect(result.config?.database).toMatchObject({
      dialect: 'sqlite',
      sqlitePath: join(checkoutRoot, 'data', 'diwan.db'),
    });
  });

  it('runs a checkout under CI as test, and under a test runner as test', () => {
    expect(load({ CI: 'true' }).environment.env).toBe('test');
    expect(load({ VITEST: 'true' }).environment.env).toBe('test');
  });

  it('runs an installed copy in production, in a container or not', () => {
    expect(load({ DIWAN_SECRET: secret }, { packageRoot: installedRoot }).environment).toMatchObject({
      env: 'production',
      reason: 'installed copy',
    });
    expect(
      load({ DIWAN_SECRET: secret }, { packageRoot: installedRoot, container: 'docker' }).environment,
    ).toMatchObject({
      env: 'production',
      reason: 'installed copy in a container (docker)',
    });
  });

  it('runs a checkout inside a container (a dev container) in development', () => {
    expect(load({}, { container: 'docker' }).environment).toMatchObject({
      env: 'development',
      reason: 'source checkout',
    });
  });

  it('lets DIWAN_ENV override detection', () => {
    expect(load({ DIWAN_ENV: 'development' }, { packageRoot: installedRoot }).environment.env).toBe(
      'development',
    );
    expect(load({ DIWAN_ENV: 'test', CI: '' }).config?.env).toBe('test');
  });
});

describe('validation', () => {
  it('refuses production without DIWAN_SECRET, naming it and saying what is expected', () => {
    const { issues } = load({ DIWAN_ENV: 'production' });
    expect(issues).toEqual([
      expect.objectContaining({ variable: 'DIWAN_SECRET', message: expect.stringContaining('32') }),
    ]);
  });

  it('refuses a secret shorter than 32 bytes in any environment', () => {
    expect(load({ DIWAN_ENV: 'development', DIWAN_SECRET: 'short' }).issues.map((i) => i.variable)).toEqual([
      'DIWAN_SECRET',
    ]);
    // 11 Arabic letters are 22 bytes, 16 are 32: the rule counts bytes, not characters.
    expect(load({ DIWAN_ENV: 'production', DIWAN_SECRET: 'سرسرسرسرسرس' }).issues).toHaveLength(1);
    expect(load({ DIWAN_ENV: 'production', DIWAN_SECRET: 'سرسرسرسرسرسرسرسر' }).issues).toEqual([]);
  });

  it('reports every problem at once', () => {
    const result = load({
      DIWAN_ENV: 'staging',
      DIWAN_PORT: '70000',
      DIWAN_DATABASE_URL: 'oracle://nope',
      DIWAN_HOST: 'not a host',
      DIWAN_LOG_LEVEL: 'loud',
      DIWAN_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.0/33, nonsense',
      DIWAN_REDIS_URL: 'http://localhost',
      DIWAN_METRICS_TOKEN: 'short',
      DIWAN_DATABASE_POOL_SIZE: '0',
    });
    expect(result.issues.map((issue) => issue.variable).sort()).toEqual(
      [
        'DIWAN_DATABASE_POOL_SIZE',
        'DIWAN_DATABASE_URL',
        'DIWAN_ENV',
        'DIWAN_HOST',
        'DIWAN_LOG_LEVEL',
        'DIWAN_METRICS_TOKEN',
        'DIWAN_PORT',
        'DIWAN_REDIS_URL',
        'DIWAN_SECRET', // an unknown DIWAN_ENV is treated as production, which needs a secret
        'DIWAN_TRUSTED_PROXIES',
      ].sort(),
    );
    expect(result.config).toBeNull();
    const text = formatIssues(result.issues);
    expect(text).toContain('DIWAN_PORT must be a whole number from 1 to 65535 (got "70000")');
    expect(text).toContain('10.0.0.0/33, nonsense');
    expect(text).toMatch(/^Diwan's configuration has 10 problems:/);
  });

  it('rejects ports that are not whole numbers', () => {
    for (const port of ['0', '-1', '80.5', '8o', '65536']) {
      expect(load({ DIWAN_ENV: 'development', DIWAN_PORT: port }).issues.map((i) => i.variable)).toEqual([
        'DIWAN_PORT',
      ]);
    }
    expect(load({ DIWAN_ENV: 'test', DIWAN_PORT: '0' }).config?.port).toBe(0); // ephemeral ports are for tests
  });

  it("takes Let's Encrypt production by default, staging or any https ACME directory, and refuses the rest", () => {
    expect(load({ DIWAN_ENV: 'development' }).config?.acme).toEqual({
      directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
      email: null,
    });
    const staging = load({
      DIWAN_ENV: 'development',
      DIWAN_ACME_DIRECTORY: 'staging',
      DIWAN_ACME_EMAIL: 'ops@example.com',
    });
    expect(staging.issues).toEqual([]);
    expect(staging.config?.acme).toEqual({
      directoryUrl: 'https://acme-staging-v02.api.letsencrypt.org/directory',
      email: 'ops@example.com',
    });
    expect(
      load({ DIWAN_ENV: 'development', DIWAN_ACME_DIRECTORY: 'https://127.0.0.1:14000/dir' }).config?.acme
        .directoryUrl,
    ).toBe('https://127.0.0.1:14000/dir');
    const bad = load({
      DIWAN_ENV: 'development',
      DIWAN_ACME_DIRECTORY: 'http://acme.example.com/directory',
      DIWAN_ACME_EMAIL: 'not an address',
    });
    expect(bad.issues.map((issue) => issue.variable)).toEqual(['DIWAN_ACME_DIRECTORY', 'DIWAN_ACME_EMAIL']);
  });

  it('accepts IPv6 and CIDR trusted proxies', () => {
    const { config, issues } = load({
      DIWAN_ENV: 'development',
      DIWAN_TRUSTED_PROXIES: '127.0.0.1,::1,10.0.0.0/8,fd00::/8',
    });
    expect(issues).toEqual([]);
    expect(config?.trustedProxies).toEqual(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);
  });

  it('warns about unknown DIWAN_ variables in the environment without refusing', () => {
    // DIWAN_USE_DIST is bin/diwan.js's (the units set it), not a setting: no warning for it.
    const result = load({ DIWAN_ENV: 'development', DIWAN_PROT: '1', DIWAN_USE_DIST: '1' });
    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([
      { variable: 'DIWAN_PROT', message: 'is not a Diwan setting and is ignored' },
    ]);
  });
});

describe('sources', () => {
  it('layers defaults < config file < environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diwan-config-'));
    const file = join(dir, 'diwan.env');
    writeFileSync(
      file,
      [
        '# Diwan',
        'DIWAN_PORT=9001',
        "export DIWAN_HOST='::1'",
        `DIWAN_SECRET="${secret}$HOME"`,
        'DIWAN_LOG_LEVEL=warn # quiet',
        '',
      ].join('\n'),
    );
    const { config, issues } = load({ DIWAN_ENV: 'production', DIWAN_PORT: '9002' }, { configFile: file });
    expect(issues).toEqual([]);
    expect(config).toMatchObject({ port: 9002, host: '::1', secret: `${secret}$HOME`, logLevel: 'warn' });
    expect(config?.sources.file).toBe(file);
  });

  it("reads the checkout's diwan.env in development by default", () => {
    writeFileSync(join(checkoutRoot, 'diwan.env'), 'DIWAN_PORT=9123\n');
    try {
      expect(load({}).config?.port).toBe(9123);
    } finally {
      writeFileSync(join(checkoutRoot, 'diwan.env'), '');
    }
  });

  it('treats a typo in the config file as a problem and a named file that is missing as a problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diwan-config-'));
    const file = join(dir, 'diwan.env');
    writeFileSync(file, 'DIWAN_PROT=9001\nnot a line\n');
    const { issues } = load({ DIWAN_ENV: 'development' }, { configFile: file });
    expect(issues.map((issue) => issue.message)).toEqual([
      'expected KEY=VALUE',
      'is not a Diwan setting (a typo?)',
    ]);
    expect(load({ DIWAN_ENV: 'development' }, { configFile: join(dir, 'missing.env') }).issues).toEqual([
      { variable: '--config', message: `file not found: ${join(dir, 'missing.env')}` },
    ]);
  });

  it('redacts secrets when describing the configuration', () => {
    const { config } = load({
      DIWAN_ENV: 'production',
      DIWAN_SECRET: secret,
      DIWAN_DATABASE_URL: 'postgres://diwan:hunter2hunter2@db.example:5432/diwan',
      DIWAN_METRICS_TOKEN: 'metrics-token-123456',
      DIWAN_REDIS_URL: 'redis://:redispass@127.0.0.1:6379/0',
    });
    const text = JSON.stringify(describeConfig(config!));
    for (const secretValue of [secret, 'hunter2hunter2', 'metrics-token-123456', 'redispass']) {
      expect(text).not.toContain(secretValue);
    }
    expect(text).toContain('db.example:5432/diwan');
  });
});
