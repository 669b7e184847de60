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

/**
 * Where websites live on this host. Debian's layout by default; only the web root is a setting
 * (`DIWAN_WEB_ROOT`), the rest is fixed by the distro and changed only by tests, which run their own
 * nginx and php-fpm in a temporary directory.
 */
export interface WebsitesConfig {
  /** Site files go under it (default /var/www). */
  webRoot: string;
  nginxBinary: string;
  /** nginx's main file: what `nginx -t` checks and `nginx -s reload` signals. */
  nginxConf: string;
  /** nginx's own directory, for fastcgi_params. */
  nginxDir: string;
  /** Diwan's directory of nginx files: http.conf and sites/<id>.conf. */
  diwanDir: string;
  /** The one line Diwan adds to nginx's configuration: a file inside http {} that includes http.conf. */
  hookFile: string;
  httpPort: number;
  /** Where HTTPS sites listen (443; tests use a free port). */
  httpsPort: number;
  logDir: string;
  /** The user nginx's workers run as (PHP sockets and site roots open to it). */
  nginxUser: string;
  /** /etc/php: <version>/fpm/php-fpm.conf and <version>/fpm/pool.d. */
  phpDir: string;
  /** Where PHP sites' FastCGI sockets go. */
  phpRunDir: string;
  /** Per-site temporary files and sessions of PHP sites. */
  phpStateDir: string;
}

/** Where certificates for websites come from (ACME: Let's Encrypt by default). */
export interface AcmeConfig {
  /** The ACME directory URL (`DIWAN_ACME_DIRECTORY`: a URL, `production` or `staging`). */
  directoryUrl: string;
  /** Contact for expiry notices and account recovery (`DIWAN_ACME_EMAIL`); optional. */
  email: string | null;
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
  websites: WebsitesConfig;
  acme: AcmeConfig;
  /** Where the values came from, for `diwan config check`. */
  sources: { file: string | null };
}

/** One problem found while resolving the configuration. */
export interface ConfigIssue {
  variable: string;
  message: string;
}
