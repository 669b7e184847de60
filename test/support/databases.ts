import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';

import type { DatabaseConfig, DatabaseDialect } from '../../src/server/config/types.js';
import { openPanelDb } from '../../src/server/db/connection.js';
import { parseDatabaseUrl, redactUrl, serverAddressOf } from '../../src/server/db/url.js';
import type { ServerAddress } from '../../src/server/db/url.js';

// Real servers, never fakes: each test suite gets a database of its own on the local MariaDB and
// PostgreSQL, created for the run and dropped after it.
//
// Defaults that work as root on a fresh Debian (and on the development container):
//   MariaDB: user root over /run/mysqld/mysqld.sock (unix_socket auth, no password).
//   PostgreSQL: role root over /var/run/postgresql (peer or trust auth); the provisioning script
//   creates it with CREATE ROLE root SUPERUSER LOGIN.
// Override with DIWAN_TEST_MYSQL_URL / DIWAN_TEST_POSTGRES_URL: a URL whose user may create and drop
// databases, naming a database that exists to connect to (mysql, postgres).

export const testDialects = ['sqlite', 'mysql', 'postgres'] as const satisfies readonly DatabaseDialect[];

export interface TestDatabase {
  config: DatabaseConfig;
  /** Drops the database (or deletes the SQLite file); safe to call twice. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  poolSize?: number;
}

const defaultPoolSize = 4;

const serverUrls = {
  mysql: { env: 'DIWAN_TEST_MYSQL_URL', fallback: 'mysql://root@/mysql?socket=/run/mysqld/mysqld.sock' },
  postgres: {
    env: 'DIWAN_TEST_POSTGRES_URL',
    fallback: 'postgres://root@/postgres?host=/var/run/postgresql',
  },
} as const;

/** Thrown when the server for a dialect cannot be reached or refuses the admin login. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** A fresh, empty database of the given dialect. */
export async function createTestDatabase(
  dialect: DatabaseDialect,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const poolSize = options.poolSize ?? defaultPoolSize;
  if (dialect === 'sqlite') return createSqliteDatabase();
  return createServerDatabase(adminUrlFor(dialect), poolSize);
}

/**
 * The panel database for app-level tests: a temp-file SQLite database, or, when DIWAN_DATABASE_URL
 * names a MariaDB/MySQL or PostgreSQL server, a fresh database on that server (its user must be
 * allowed to create databases), so the whole suite can run on each dialect.
 */
export async function testPanelDatabaseConfig(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const url = process.env.DIWAN_DATABASE_URL;
  if (url === undefined || url === '' || /^sqlite:/i.test(url)) return createSqliteDatabase();
  return createServerDatabase(url, options.poolSize ?? defaultPoolSize);
}

export interface DialectSuite {
  dialect: DatabaseDialect;
  /** This suite's fresh database; call it in hooks and tests (it exists from the first beforeAll). */
  config(): DatabaseConfig;
}

/**
 * `describe` once per dialect, each with a fresh database. A server that is down fails its suite,
 * saying how to start it (scripts/provision-host.sh, which `npm test` runs), in CI or not: a test
 * that silently did not run proves nothing.
 */
export function describeForEachDialect(
  name: string,
  fn: (suite: DialectSuite) => void,
  options: TestDatabaseOptions = {},
): void {
  describe.each(testDialects)(`${name} (%s)`, (dialect) => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await createTestDatabase(dialect, options);
    });
    afterAll(async () => {
      await database?.drop();
    });
    fn({
      dialect,
      config: () => {
        if (!database)
          throw new Error(`the ${dialect} test database is not created yet: use it in a hook or test`);
        return database.config;
      },
    });
  });
}

export function adminUrlFor(dialect: 'mysql' | 'postgres'): string {
  const { env, fallback } = serverUrls[dialect];
  return process.env[env] || fallback;
}

async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'diwan-db-'));
  const config = parsedOrThrow(`sqlite:${path.join(dir, 'panel.db')}`, 1);
  return { config, drop: once(() => rm(dir, { recursive: true, force: true })) };
}

async function createServerDatabase(serverUrl: string, poolSize: number): Promise<TestDatabase> {
  const admin = serverAddressOf(serverUrl);
  // Create and drop from a database that always exists, so the URL's own database need not.
  const adminUrl = formatServerUrl({
    ...admin,
    database: admin.dialect === 'postgres' ? 'postgres' : 'information_schema',
  });
  // Unique to the run and safe as an identifier: pid and random hex only.
  const name = `diwan_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await sweepDeadRuns(adminUrl, admin.dialect);
  await withAdmin(adminUrl, async (db) => {
    if (admin.dialect === 'mysql') {
      await sql`create database ${sql.id(name)} character set utf8mb4 collate utf8mb4_bin`.execute(db);
    } else {
      await sql`create database ${sql.id(name)}`.execute(db);
    }
  });
  const config = parsedOrThrow(formatServerUrl({ ...admin, database: name }), poolSize);
  const drop = once(() =>
    withAdmin(adminUrl, async (db) => {
      // FORCE (PostgreSQL 13+) ends connections a test forgot to close, so one leak does not leave
      // databases behind.
      const force = admin.dialect === 'postgres' ? sql` with (force)` : sql``;
      await sql`drop database if exists ${sql.id(name)}${force}`.execute(db);
    }),
  );
  return { config, drop };
}

type AdminDb = ReturnType<typeof openPanelDb>['db'];

const sweeps = new Map<string, Promise<void>>();
const RUN_DATABASE = /^diwan_t_(\d+)_[0-9a-f]{8}$/;

/**
 * Drops the databases that runs killed before their cleanup left behind: those named for a process
 * that no longer exists. A live process keeps its databases, whoever it is. Once per server and
 * process.
 */
function sweepDeadRuns(adminUrl: string, dialect: 'mysql' | 'postgres'): Promise<void> {
  let sweep = sweeps.get(adminUrl);
  if (!sweep) {
    sweep = dropDeadRunDatabases(adminUrl, dialect);
    sweeps.set(adminUrl, sweep);
  }
  return sweep;
}

/** The sweep itself, each time it is called (createServerDatabase sweeps once per process). */
export function dropDeadRunDatabases(adminUrl: string, dialect: 'mysql' | 'postgres'): Promise<void> {
  return withAdmin(adminUrl, async (db) => {
    const rows =
      dialect === 'mysql'
        ? (
            await sql<{
              name: string;
            }>`select schema_name as name from information_schema.schemata where schema_name like 'diwan\_t\_%'`.execute(
              db,
            )
          ).rows
        : (
            await sql<{
              name: string;
            }>`select datname as name from pg_database where datname like 'diwan\_t\_%'`.execute(db)
          ).rows;
    for (const { name } of rows) {
      const pid = RUN_DATABASE.exec(name)?.[1];
      if (pid === undefined || processExists(Number(pid))) continue;
      const force = dialect === 'postgres' ? sql` with (force)` : sql``;
      await sql`drop database if exists ${sql.id(name)}${force}`.execute(db);
    }
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withAdmin(adminUrl: string, work: (db: AdminDb) => Promise<void>): Promise<void> {
  const config = parsedOrThrow(adminUrl, 1);
  const panelDb = openPanelDb(config);
  try {
    try {
      await panelDb.ping();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const variable = config.dialect === 'mysql' ? serverUrls.mysql.env : serverUrls.postgres.env;
      throw new DatabaseUnavailableError(
        `cannot reach ${redactUrl(adminUrl)} (${reason}): start the server (scripts/provision-host.sh) or set ${variable}`,
        { cause: error },
      );
    }
    await work(panelDb.db);
  } finally {
    await panelDb.close();
  }
}

function parsedOrThrow(url: string, poolSize: number): DatabaseConfig {
  const parsed = parseDatabaseUrl(url, { dataDir: tmpdir(), poolSize });
  if (!parsed.ok) throw new Error(`test database URL ${redactUrl(url)} ${parsed.message}`);
  return parsed.value;
}

/** Back to a URL that parseDatabaseUrl reads into the same address. */
function formatServerUrl(address: ServerAddress): string {
  const encode = (text: string) => encodeURIComponent(text);
  const credentials = `${encode(address.user)}${address.password === null ? '' : `:${encode(address.password)}`}`;
  const host = address.host === null ? '' : address.host.includes(':') ? `[${address.host}]` : address.host;
  const socket =
    address.socketPath === null
      ? ''
      : `?${address.dialect === 'mysql' ? 'socket' : 'host'}=${encode(address.socketPath).replaceAll('%2F', '/')}`;
  return `${address.dialect}://${credentials}@${host}:${address.port}/${encode(address.database)}${socket}`;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => (done ??= fn());
}
