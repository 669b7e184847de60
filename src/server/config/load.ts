import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl } from '../db/url.js';
import { parseEnvFile } from './env-file.js';
import { detectEnvironment, type DetectedEnvironment } from './environment.js';
import {
  logLevels,
  type Config,
  type ConfigIssue,
  type DiwanEnv,
  type LogLevel,
  type WebsitesConfig,
} from './types.js';

export const DEFAULT_PORT = 8686;
export const MIN_SECRET_BYTES = 32;

/** Every variable Diwan reads; anything else starting with DIWAN_ in the config file is a typo. */
export const knownVariables = [
  'DIWAN_ENV',
  'DIWAN_HOST',
  'DIWAN_PORT',
  'DIWAN_DATA_DIR',
  'DIWAN_DATABASE_URL',
  'DIWAN_DATABASE_POOL_SIZE',
  'DIWAN_SECRET',
  'DIWAN_REDIS_URL',
  'DIWAN_AGENT_SOCKET',
  'DIWAN_LOG_LEVEL',
  'DIWAN_TRUSTED_PROXIES',
  'DIWAN_METRICS_TOKEN',
  'DIWAN_BODY_LIMIT',
  'DIWAN_SHUTDOWN_TIMEOUT',
  'DIWAN_CONFIG',
  'DIWAN_WEB_ROOT',
  'DIWAN_ACME_DIRECTORY',
  'DIWAN_ACME_EMAIL',
] as const;

/** Read by bin/diwan.js before any config is loaded (which code to run), not settings of Diwan's. */
const launcherVariables = new Set(['DIWAN_USE_DIST']);
/** Let's Encrypt's directories; `DIWAN_ACME_DIRECTORY` takes these names or any https:// URL. */
export const ACME_DIRECTORIES = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface LoadOptions {
  /** The process environment; tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** `--config PATH` from the command line; wins over DIWAN_CONFIG. */
  configFile?: string;
  /** Container runtime Diwan runs in (from host detection), if any. */
  container?: string | null;
  /** Where relative paths resolve; the process's working directory by default. */
  cwd?: string;
  packageRoot?: string;
}

export interface LoadResult {
  /** Null when a problem makes a value impossible to build; `issues` then says why. */
  config: Config | null;
  issues: ConfigIssue[];
  /** Things worth saying that do not stop Diwan (an unknown DIWAN_ variable in the environment). */
  warnings: ConfigIssue[];
  environment: DetectedEnvironment;
}

/**
 * The config factory: defaults < config file < environment. Reads the config file and nothing else;
 * creates nothing on disk (see data-dir.ts for what happens once the result is accepted). Every
 * problem is collected so that a user fixes them all in one go.
 */
export function loadConfig(options: LoadOptions = {}): LoadResult {
  const processEnv = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const root = options.packageRoot ?? packageRoot;
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];

  const environment = detectEnvironment({
    env: processEnv,
    packageRoot: root,
    container: options.container ?? null,
  });
  if (environment.env === null) {
    issues.push({ variable: 'DIWAN_ENV', message: 'must be one of development, production, test' });
  }
  const env: DiwanEnv = environment.env ?? 'production';

  const file = readConfigFile(options.configFile ?? processEnv.DIWAN_CONFIG, env, root, cwd, issues);
  for (const key of Object.keys(processEnv)) {
    if (
      key.startsWith('DIWAN_') &&
      !isKnown(key) &&
      !key.startsWith('DIWAN_TEST_') &&
      !launcherVariables.has(key)
    ) {
      warnings.push({ variable: key, message: 'is not a Diwan setting and is ignored' });
    }
  }
  // The environment wins over the file; DIWAN_ENV in the file cannot change the detected environment
  // after the fact, so it is read from the process environment only (above).
  const source: Record<string, string | undefined> = { ...file.values, ...pickDiwan(processEnv) };
  const read = (name: (typeof knownVariables)[number]): string | undefined => {
    const value = source[name]?.trim();
    return value === '' ? undefined : value;
  };

  const dataDir = resolve(cwd, read('DIWAN_DATA_DIR') ?? defaultDataDir(env, root));
  const host = read('DIWAN_HOST') ?? '127.0.0.1';
  if (!isValidListenHost(host)) {
    issues.push({
      variable: 'DIWAN_HOST',
      message: 'must be an IP address (127.0.0.1, ::1, 0.0.0.0) or localhost',
    });
  }
  const port = readInteger(
    read('DIWAN_PORT'),
    DEFAULT_PORT,
    env === 'test' ? 0 : 1,
    65535,
    'DIWAN_PORT',
    issues,
  );
  const poolSize = readInteger(
    read('DIWAN_DATABASE_POOL_SIZE'),
    10,
    1,
    200,
    'DIWAN_DATABASE_POOL_SIZE',
    issues,
  );
  const bodyLimit = readInteger(
    read('DIWAN_BODY_LIMIT'),
    1024 * 1024,
    1024,
    1024 ** 3,
    'DIWAN_BODY_LIMIT',
    issues,
  );
  const shutdownTimeoutMs = readInteger(
    read('DIWAN_SHUTDOWN_TIMEOUT'),
    10_000,
    0,
    600_000,
    'DIWAN_SHUTDOWN_TIMEOUT',
    issues,
  );

  const databaseUrl = read('DIWAN_DATABASE_URL') ?? `sqlite:${join(dataDir, 'diwan.db')}`;
  const database = parseDatabaseUrl(databaseUrl, { dataDir, poolSize });
  if (!database.ok) issues.push({ variable: 'DIWAN_DATABASE_URL', message: database.message });

  const secret = read('DIWAN_SECRET') ?? null;
  if (secret === null && env === 'production') {
    issues.push({
      variable: 'DIWAN_SECRET',
      message: `is required in production: at least ${MIN_SECRET_BYTES} random bytes (for example: openssl rand -base64 48)`,
    });
  } else if (secret !== null && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    issues.push({
      variable: 'DIWAN_SECRET',
      message: `must be at least ${MIN_SECRET_BYTES} bytes long (it has ${Buffer.byteLength(secret)})`,
    });
  }

  const redisUrl = read('DIWAN_REDIS_URL') ?? null;
  if (redisUrl !== null && !isUrlWithScheme(redisUrl, ['redis:', 'rediss:'])) {
    issues.push({
      variable: 'DIWAN_REDIS_URL',
      message: 'must be redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://…',
    });
  }

  const logLevel = (read('DIWAN_LOG_LEVEL') ?? defaultLogLevel(env)) as LogLevel;
  if (!logLevels.includes(logLevel)) {
    issues.push({ variable: 'DIWAN_LOG_LEVEL', message: `must be one of ${logLevels.join(', ')}` });
  }

  const trustedProxies = (read('DIWAN_TRUSTED_PROXIES') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const badProxies = trustedProxies.filter((entry) => !isIpOrCidr(entry));
  if (badProxies.length > 0) {
    issues.push({
      variable: 'DIWAN_TRUSTED_PROXIES',
      message: `must be a comma-separated list of IP addresses or CIDR ranges (not: ${badProxies.join(', ')})`,
    });
  }

  const metricsToken = read('DIWAN_METRICS_TOKEN') ?? null;
  if (metricsToken !== null && metricsToken.length < 16) {
    issues.push({ variable: 'DIWAN_METRICS_TOKEN', message: 'must be at least 16 characters long' });
  }

  const agentSocket = resolve(
    cwd,
    read('DIWAN_AGENT_SOCKET') ??
      (env === 'production' ? '/run/diwan/agent.sock' : join(dataDir, 'agent.sock')),
  );

  const webRoot = read('DIWAN_WEB_ROOT') ?? '/var/www';
  if (
    !/^\/[A-Za-z0-9._/-]*$/.test(webRoot) ||
    webRoot.split('/').some((part) => part === '..' || part === '.')
  ) {
    issues.push({
      variable: 'DIWAN_WEB_ROOT',
      message: 'must be an absolute path of letters, digits, dots, dashes and underscores',
    });
  }

  const acmeDirectory = read('DIWAN_ACME_DIRECTORY') ?? 'production';
  const directoryUrl =
    acmeDirectory === 'production' || acmeDirectory === 'staging'
      ? ACME_DIRECTORIES[acmeDirectory]
      : acmeDirectory;
  if (!isUrlWithScheme(directoryUrl, ['https:'])) {
    issues.push({
      variable: 'DIWAN_ACME_DIRECTORY',
      message: 'must be production, staging or the https:// URL of an ACME directory',
    });
  }
  const acmeEmail = read('DIWAN_ACME_EMAIL') ?? null;
  if (
    acmeEmail !== null &&
    !/^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/.test(acmeEmail)
  ) {
    issues.push({
      variable: 'DIWAN_ACME_EMAIL',
      message: 'must be an email address such as admin@example.com',
    });
  }

  issues.push(...file.issues);
  if (!database.ok) return { config: null, issues, warnings, environment };
  const config: Config = {
    env,
    host,
    port,
    dataDir,
    database: database.value,
    secret,
    redisUrl,
    agentSocket,
    logLevel,
    trustedProxies,
    metricsToken,
    bodyLimit,
    shutdownTimeoutMs,
    websites: debianWebsites(webRoot.replace(/\/+$/, '') || '/'),
    acme: { directoryUrl, email: acmeEmail },
    sources: { file: file.path },
  };
  return { config, issues, warnings, environment };
}

/** Debian's and Ubuntu's layout for nginx and PHP-FPM. */
export function debianWebsites(webRoot: string): WebsitesConfig {
  return {
    webRoot,
    nginxBinary: '/usr/sbin/nginx',
    nginxConf: '/etc/nginx/nginx.conf',
    nginxDir: '/etc/nginx',
    diwanDir: '/etc/nginx/diwan',
    hookFile: '/etc/nginx/conf.d/diwan.conf',
    httpPort: 80,
    httpsPort: 443,
    logDir: '/var/log/nginx',
    nginxUser: 'www-data',
    phpDir: '/etc/php',
    phpRunDir: '/run/php',
    phpStateDir: '/var/lib/php/diwan',
  };
}

function isKnown(key: string): boolean {
  return (knownVariables as readonly string[]).includes(key);
}

function pickDiwan(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('DIWAN_')));
}

function defaultDataDir(env: DiwanEnv, root: string): string {
  if (env === 'production') return '/var/lib/diwan';
  // Per user: a fixed shared path in /tmp could be created first by someone else.
  if (env === 'test') return join(tmpdir(), `diwan-test-${process.getuid?.() ?? 'user'}`);
  return join(root, 'data');
}

function defaultLogLevel(env: DiwanEnv): LogLevel {
  return env === 'development' ? 'debug' : env === 'test' ? 'warn' : 'info';
}

function readConfigFile(
  explicitPath: string | undefined,
  env: DiwanEnv,
  root: string,
  cwd: string,
  issues: ConfigIssue[],
): { path: string | null; values: Record<string, string>; issues: ConfigIssue[] } {
  const none = { path: null, values: {}, issues: [] };
  const path = explicitPath
    ? resolve(cwd, explicitPath)
    : env === 'production'
      ? '/etc/diwan/diwan.env'
      : env === 'development'
        ? join(root, 'diwan.env')
        : null;
  if (path === null) return none;
  if (!existsSync(path)) {
    // The default file is optional; a file the user named must exist.
    if (explicitPath) issues.push({ variable: '--config', message: `file not found: ${path}` });
    return none;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    issues.push({ variable: '--config', message: `cannot read ${path}: ${(error as Error).message}` });
    return none;
  }
  const parsed = parseEnvFile(text, path);
  for (const key of Object.keys(parsed.values)) {
    if (!isKnown(key) || key === 'DIWAN_CONFIG') {
      parsed.issues.push({ variable: `${path}: ${key}`, message: 'is not a Diwan setting (a typo?)' });
    }
  }
  return { path, values: parsed.values, issues: parsed.issues };
}

function readInteger(
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  variable: string,
  issues: ConfigIssue[],
): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    issues.push({ variable, message: `must be a whole number from ${min} to ${max} (got "${raw}")` });
    return fallback;
  }
  return Number(raw);
}

function isValidListenHost(host: string): boolean {
  return host === 'localhost' || isIP(host) !== 0;
}

function isIpOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function isUrlWithScheme(raw: string, schemes: string[]): boolean {
  try {
    return schemes.includes(new URL(raw).protocol);
  } catch {
    return false;
  }
}
