import { buildApp, type DiwanApp } from './app.js';
import { formatIssues, loadConfig, prepareDataDir, type LoadOptions } from './config/index.js';
import { DataDirRejected } from './config/data-dir.js';
import type { Config } from './config/types.js';
import { openPanelDb } from './db/connection.js';
import { migrateToLatest, pendingMigrations } from './db/migrate.js';
import { ensureFirstAdmin, type FirstLogin } from './auth/first-run.js';
import { createPanelServices } from './services.js';
import { createLogger, type Logger } from './logger.js';

export class ConfigRejected extends Error {
  override readonly name = 'ConfigRejected';
}

/** Loads and validates the configuration; refuses (listing every problem) before touching the disk. */
export function acceptConfig(options: LoadOptions = {}): { config: Config; warnings: string[] } {
  const { config, issues, warnings } = loadConfig(options);
  if (config === null || issues.length > 0) throw new ConfigRejected(formatIssues(issues));
  try {
    return { config: prepareDataDir(config), warnings: warnings.map((w) => `${w.variable} ${w.message}`) };
  } catch (error) {
    if (error instanceof DataDirRejected) throw new ConfigRejected(`Diwan's data dir: ${error.message}`);
    throw error;
  }
}

export interface RunningServer {
  app: DiwanApp;
  url: string;
  /** The login page (the URL with the security entrance); null while migrations are pending. */
  loginUrl: string | null;
  /** The generated first administrator, on the very first start only. */
  firstLogin: FirstLogin | null;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes the pool. */
  stop(): Promise<void>;
}

/**
 * Opens the panel database, migrates it outside production (in production `diwan migrate up` is a
 * deliberate step of an upgrade, and /readyz says 503 until it has run), builds the app and listens.
 */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config),
): Promise<RunningServer> {
  const panelDb = openPanelDb(config.database);
  try {
    if (config.env !== 'production') await migrateToLatest(panelDb.db);
  } catch (error) {
    await panelDb.close();
    throw error;
  }
  const services = createPanelServices(config, { panelDb }, logger);
  let firstLogin: FirstLogin | null = null;
  let entrance: string | null = null;
  let app: DiwanApp | undefined;
  try {
    // Until `diwan migrate up` has run in production there are no tables to hold users yet.
    if ((await pendingMigrations(panelDb.db)).length === 0) {
      firstLogin = await ensureFirstAdmin(services.users, config.dataDir);
      entrance = (await services.security.current()).entrance;
    }
    app = await buildApp(config, { panelDb, logger, services });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    if (app) await app.close();
    else await Promise.all([services.events.close(), panelDb.close()]);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/`;
  const loginUrl = entrance === null ? null : `${url}${entrance}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= closeGracefully(app, config.shutdownTimeoutMs, logger);
    return stopping;
  };
  return { app, url, loginUrl, firstLogin, logger, stop };
}

/**
 * Stops accepting connections, waits for in-flight requests, runs the onClose hooks (the pool closes),
 * and after `timeoutMs` cuts whatever connections still hang on.
 */
export async function closeGracefully(
  app: DiwanApp,
  timeoutMs: number,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  const timer = setTimeout(() => {
    logger.warn({ timeoutMs }, 'shutdown timeout reached: closing the remaining connections');
    app.server.closeAllConnections();
  }, timeoutMs);
  timer.unref();
  // A query that hangs would hold the pool's end, and the shutdown, forever: give up at twice the timeout.
  let hardTimer: NodeJS.Timeout | undefined;
  const hardDeadline = new Promise<void>((resolve) => {
    hardTimer = setTimeout(() => {
      logger.warn({ timeoutMs }, 'shutdown deadline passed: exiting without waiting for the rest');
      resolve();
    }, timeoutMs * 2);
    hardTimer.unref();
  });
  try {
    await Promise.race([app.close(), hardDeadline]);
  } finally {
    clearTimeout(timer);
    clearTimeout(hardTimer);
  }
}
