import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { buildApp, type DiwanApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/load.js';
import type { Config } from '../../src/server/config/types.js';
import { openPanelDb, type PanelDb } from '../../src/server/db/connection.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { createLogger } from '../../src/server/logger.js';
import { testPanelDatabaseConfig } from './databases.js';
import { hashPassword } from '../../src/server/auth/passwords.js';
import { createApiToken } from '../../src/server/features/tokens/routes.js';
import { createPanelServices, type PanelServices } from '../../src/server/services.js';
import { createAgent, type AgentOptions } from '../../src/agent/agent.js';
import { inProcessAgent, type AgentClient } from '../../src/server/agent/client.js';
import { createTaskRunner, type TaskRunner } from '../../src/server/tasks/task-runner.js';
import { createTaskStore } from '../../src/server/tasks/task-store.js';

export const FIXTURE_WEB_DIR = fileURLToPath(new URL('../fixtures/web', import.meta.url));

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
  services: PanelServices;
  tasks: TaskRunner;
  logs: LogCapture;
  /** The test clock: `clock.now` is what the app sees; move it forward to test expiry. */
  clock: { now: number };
  /** The in-process agent the app calls (for services a test builds itself). */
  agent: AgentClient;
  close(): Promise<void>;
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
}

export async function createTestUser(
  testApp: TestApp,
  username = 'admin',
  password = 'correct-horse-battery',
): Promise<TestUser> {
  const user = await testApp.services.users.create({ username, passwordHash: await hashPassword(password) });
  return { id: user.id, username, password };
}

/** `Authorization` headers of a fresh API token (a new admin user unless one is given). */
export async function tokenHeaders(
  testApp: TestApp,
  scope: 'read' | 'admin' = 'admin',
  user?: TestUser,
): Promise<Record<string, string>> {
  const owner = user ?? (await createTestUser(testApp, `tok_${Math.random().toString(36).slice(2, 8)}`));
  const created = await createApiToken(
    testApp.services.tokens,
    owner.id,
    { name: 'test', scope },
    testApp.clock.now,
  );
  return { authorization: `Bearer ${created.token}` };
}

export async function entranceOf(testApp: TestApp): Promise<string> {
  return (await testApp.services.security.current()).entrance;
}

/** Logs in through the API as a browser would; returns the cookie and the headers a change needs. */
export async function loginSession(testApp: TestApp, user: TestUser, extra: { totp?: string } = {}) {
  const response = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: {
      username: user.username,
      password: user.password,
      entrance: await entranceOf(testApp),
      ...extra,
    },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === 'diwan_session');
  if (!cookie) throw new Error('no session cookie');
  const csrfToken = (response.json() as { csrfToken: string }).csrfToken;
  return {
    cookie: `diwan_session=${cookie.value}`,
    csrfToken,
    /** Headers for a state-changing request from the panel's own page. */
    changeHeaders: {
      cookie: `diwan_session=${cookie.value}`,
      'x-csrf-token': csrfToken,
      origin: 'http://localhost:80',
    },
    readHeaders: { cookie: `diwan_session=${cookie.value}` },
  };
}

/**
 * Builds the real app on a fresh, migrated panel database: SQLite by default, or a fresh database on
 * the server that DIWAN_DATABASE_URL points at, so the whole suite can run on MariaDB or PostgreSQL.
 */
export async function buildTestApp(
  overrides: Partial<Config> = {},
  options: { agent?: AgentOptions } = {},
): Promise<TestApp> {
  const database = await testPanelDatabaseConfig();
  const config = testConfig({ database: database.config, ...overrides });
  const panelDb = openPanelDb(config.database);
  await migrateToLatest(panelDb.db);
  const logs = new LogCapture();
  const logger = createLogger(config, logs);
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const services = createPanelServices(config, { panelDb, now }, logger);
  // The agent in this process, whatever the environment: no test has a root agent on a socket.
  const agent = createAgent(config, { panelDb, logger }, options.agent);
  const tasks = createTaskRunner({
    store: createTaskStore(panelDb.db),
    events: services.events,
    logger,
    now,
  });
  const agentClient = inProcessAgent(agent.dispatch, agent.close);
  const app = await buildApp(config, {
    panelDb,
    logger,
    now,
    services,
    tasks,
    agent: agentClient,
    // A tiny stand-in for the built SPA: the perimeter's tests need no `vite build`.
    webDir: FIXTURE_WEB_DIR,
  });
  return {
    app,
    config,
    panelDb,
    services,
    tasks,
    logs,
    clock,
    agent: agentClient,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
