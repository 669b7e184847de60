import { buildApp, type DiwanApp } from './app.js';
import { formatIssues, loadConfig, prepareDataDir, type LoadOptions } from './config/index.js';
import type { Config } from './config/types.js';
import { openPanelDb } from './db/connection.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';

export class ConfigRejected extends Error {
  override readonly name = 'ConfigRejected';
}

/** Loads and validates the configuration; refuses (listing every problem) before touching the disk. */
export function acceptConfig(options: LoadOptions = {}): { config: Config; warnings: string[] } {
  const { config, issues, warnings } = loadConfig(options);
  if (config === null || issues.length > 0) throw new ConfigRejected(formatIssues(issues));
  return { config: prepareDataDir(config), warnings: warnings.map((w) => `${w.variable} ${w.message}`) };
}

export interface RunningServer {
  app: DiwanApp;
  url: string;
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
  const app = await buildApp(config, { panelDb, logger });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= closeGracefully(app, config.shutdownTimeoutMs, logger);
    return stopping;
  };
  return { app, url, logger, stop };
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
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
