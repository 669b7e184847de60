export const environments = ['development', 'production', 'test'] as const;
export type DiwanEnv = (typeof environments)[number];

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export type DatabaseDialect = 'sqlite' | 'mysql' | 'postgres';

export interface DatabaseConfig {
  dialect: DatabaseDialect;
  /** The URL as given, for messages; use `redactUrl` before printing it. */
  url: string;
  /** For sqlite: an absolute file path, or ':memory:'. Null for the server dialects. */
  sqlitePath: string | null;
  /** Largest number of connections the pool opens (sqlite: always one connection). */
  poolSize: number;
}

export interface Config {
  env: DiwanEnv;
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseConfig;
  /** Panel secret; in development and test one is generated into the data dir when none is given. */
  secret: string | null;
  redisUrl: string | null;
  agentSocket: string;
  logLevel: LogLevel;
  /** IPs and CIDRs whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** Lets /metrics answer beyond loopback to `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** How long a SIGTERM waits for in-flight requests before closing anyway. */
  shutdownTimeoutMs: number;
  /** Where the values came from, for `diwan config check`. */
  sources: { file: string | null };
}

/** One problem found while resolving the configuration. */
export interface ConfigIssue {
  variable: string;
  message: string;
}
