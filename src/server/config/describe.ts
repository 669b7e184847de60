import { redactUrl } from '../db/url.js';
import type { Config, ConfigIssue } from './types.js';

/** The resolved configuration as `DIWAN_*` lines, secrets redacted: safe to print and to log. */
export function describeConfig(config: Config): Record<string, string> {
  return {
    DIWAN_ENV: config.env,
    DIWAN_HOST: config.host,
    DIWAN_PORT: String(config.port),
    DIWAN_DATA_DIR: config.dataDir,
    DIWAN_DATABASE_URL: redactUrl(config.database.url),
    DIWAN_DATABASE_POOL_SIZE: String(config.database.poolSize),
    DIWAN_SECRET:
      config.secret === null
        ? '(generated into the data dir)'
        : `*** (${Buffer.byteLength(config.secret)} bytes)`,
    DIWAN_REDIS_URL: config.redisUrl === null ? '(none)' : redactUrl(config.redisUrl),
    DIWAN_AGENT_SOCKET: config.agentSocket,
    DIWAN_LOG_LEVEL: config.logLevel,
    DIWAN_TRUSTED_PROXIES: config.trustedProxies.join(',') || '(none)',
    DIWAN_METRICS_TOKEN: config.metricsToken === null ? '(none: /metrics from loopback only)' : '***',
    DIWAN_BODY_LIMIT: String(config.bodyLimit),
    DIWAN_SHUTDOWN_TIMEOUT: String(config.shutdownTimeoutMs),
    DIWAN_ACME_DIRECTORY: config.acme.directoryUrl,
    DIWAN_ACME_EMAIL: config.acme.email ?? '(none)',
  };
}

/** One line per problem, naming the variable, for the terminal and the start-up log. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.variable} ${issue.message}`);
  return `Diwan's configuration has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}
