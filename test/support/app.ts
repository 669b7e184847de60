import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type DiwanApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/load.js';
import type { Config } from '../../src/server/config/types.js';
import { openPanelDb, type PanelDb } from '../../src/server/db/connection.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { createLogger } from '../../src/server/logger.js';
import { testPanelDatabaseConfig } from './databases.js';

/** Every log line the app wrote, as parsed JSON, so tests can assert on logs (and on what is absent). */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(JSON.parse(line));
    done();
  }
  get text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }
}

/** A valid test configuration with its own temp data dir; `overrides` replace whole fields. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'diwan-test-'));
  const { config, issues } = loadConfig({
    env: {
      DIWAN_ENV: 'test',
      DIWAN_DATA_DIR: dataDir,
      DIWAN_PORT: '0',
      DIWAN_SECRET: 'test-secret-'.padEnd(48, 'x'),
    },
  });
  if (!config || issues.length > 0) throw new Error(`test config rejected: ${JSON.stringify(issues)}`);
  return { ...config, logLevel: 'info', ...overrides };
}

export interface TestApp {
  app: DiwanApp;
  config: Config;
  panelDb: PanelDb;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * Builds the real app on a fresh, migrated panel database: SQLite by default, or a fresh database on
 * the server that DIWAN_DATABASE_URL points at, so the whole suite can run on MariaDB or PostgreSQL.
 */
export async function buildTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const database = await testPanelDatabaseConfig();
  const config = testConfig({ database: database.config, ...overrides });
  const panelDb = openPanelDb(config.database);
  await migrateToLatest(panelDb.db);
  const logs = new LogCapture();
  const app = await buildApp(config, { panelDb, logger: createLogger(config, logs) });
  return {
    app,
    config,
    panelDb,
    logs,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
