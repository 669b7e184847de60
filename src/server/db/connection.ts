import type BetterSqlite3Module from 'better-sqlite3';
import { createRequire } from 'node:module';
import {
  CompiledQuery,
  Kysely,
  MysqlDialect,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  sql,
} from 'kysely';
import type { DialectAdapter } from 'kysely';
import type mysqlModule from 'mysql2';
import type pgModule from 'pg';

import type { DatabaseConfig, DatabaseDialect } from '../config/types.js';
import type { Database } from './schema.js';
import { redactUrl, serverAddressOf } from './url.js';
import { withTimeout } from '../util/with-timeout.js';
import type { ServerAddress } from './url.js';

// Each driver is loaded only by the dialect that uses it: mysql2 and pg cost over 10 MB of memory
// each, and a small VPS on SQLite needs neither. (require, not import(): openPanelDb stays synchronous.)
const require = createRequire(import.meta.url);
const loadDriver = {
  sqlite: () => require('better-sqlite3') as typeof BetterSqlite3Module,
  mysql: () => require('mysql2') as typeof mysqlModule,
  postgres: () => require('pg') as typeof pgModule,
};

export interface PoolStats {
  /** The configured pool size (sqlite: 1). */
  max: number;
  /** Connections open now, busy or idle. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
}

export interface PanelDb {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  poolStats(): PoolStats;
  /** Runs `select 1`; rejects (within seconds, never hangs) when the server cannot be reached. */
  ping(): Promise<void>;
  /** Closes every connection; safe to call twice. */
  close(): Promise<void>;
}

export interface OpenPanelDbOptions {
  /**
   * An idle pooled connection broke (server restart, network). The pool has already dropped it and
   * the next query opens a new one; this is for logging. Without a listener pg would crash the process.
   */
  onPoolError?: (error: Error) => void;
}

/** How long opening a connection to MariaDB/PostgreSQL may take before the query fails. */
const connectTimeoutMs = 5_000;
/** SQLite: how long a writer waits for another process's lock (the CLI, a backup) before SQLITE_BUSY. */
const sqliteBusyTimeoutMs = 5_000;

/**
 * Opens the panel database. Never connects to a server here (the pools are lazy), so start-up cannot
 * hang on an unreachable database; `ping()` is the check. SQLite opens its file at once: the caller
 * must have created the directory.
 */
export function openPanelDb(config: DatabaseConfig, options: OpenPanelDbOptions = {}): PanelDb {
  if (!Number.isInteger(config.poolSize) || config.poolSize < 1) {
    throw new RangeError(`database pool size must be a whole number of at least 1, not ${config.poolSize}`);
  }
  const onPoolError = options.onPoolError ?? (() => {});
  const opened = openDialect(config, onPoolError);
  const db = new Kysely<Database>({ dialect: opened.dialect });
  let closing: Promise<void> | null = null;
  return {
    db,
    dialect: config.dialect,
    poolStats: opened.poolStats,
    ping: () =>
      withTimeout(
        sql`select 1`.execute(db).then(() => undefined),
        connectTimeoutMs + 2_000,
        () =>
          new Error(`database ${redactUrl(config.url)} did not answer within ${connectTimeoutMs + 2_000} ms`),
      ),
    close: () => (closing ??= db.destroy().then(opened.afterClose)),
  };
}

interface OpenedDialect {
  dialect: SqliteDialect | MysqlDialect | PostgresDialect;
  poolStats(): PoolStats;
  afterClose?: () => void;
}

function openDialect(config: DatabaseConfig, onPoolError: (error: Error) => void): OpenedDialect {
  switch (config.dialect) {
    case 'sqlite':
      return openSqlite(config);
    case 'mysql':
      return openMysql(serverAddressOf(config.url), config.poolSize, onPoolError);
    case 'postgres':
      return openPostgres(serverAddressOf(config.url), config.poolSize, onPoolError);
  }
}

function openSqlite(config: DatabaseConfig): OpenedDialect {
  if (config.sqlitePath === null) throw new Error('a sqlite database config needs sqlitePath');
  const BetterSqlite3 = loadDriver.sqlite();
  const database = new BetterSqlite3(config.sqlitePath, { timeout: sqliteBusyTimeoutMs });
  // WAL lets the web tier read while the CLI or a backup writes; foreign keys are off by default in
  // SQLite and the schema relies on ON DELETE CASCADE.
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
  return {
    dialect: new PanelSqliteDialect({ database }),
    // One connection, which Kysely takes in turn; there is no pool to measure.
    poolStats: () => {
      const open = database.open ? 1 : 0;
      return { max: 1, total: open, idle: open, waiting: 0 };
    },
    // Kysely only closes what it has used: a database that never ran a query would stay open.
    afterClose: () => {
      if (database.open) database.close();
    },
  };
}

/**
 * Kysely runs migrations in a transaction only where the adapter claims transactional DDL, and its
 * SQLite adapter does not, though SQLite has it. With it, a migration that fails half-way on SQLite
 * leaves nothing behind instead of a table that blocks every later run. (MySQL cannot: DDL commits.)
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class PanelSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** The parts of mysql2's pool that hold its counts; not in its typings, so read defensively. */
interface Mysql2PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

function openMysql(
  address: ServerAddress,
  poolSize: number,
  onPoolError: (error: Error) => void,
): OpenedDialect {
  const pool = loadDriver.mysql().createPool({
    ...(address.socketPath !== null
      ? { socketPath: address.socketPath }
      : { host: address.host ?? 'localhost' }),
    port: address.port,
    user: address.user,
    password: address.password ?? undefined,
    database: address.database,
    connectionLimit: poolSize,
    connectTimeout: connectTimeoutMs,
    // BIGINT timestamps come back as numbers; only values beyond 2^53 would come back as strings.
    supportBigNumbers: true,
    bigNumberStrings: false,
    // Literals compare byte for byte, like the utf8mb4_bin columns and like SQLite and PostgreSQL.
    charset: 'UTF8MB4_BIN',
  });
  pool.on('error', onPoolError);
  const internals = pool as unknown as Mysql2PoolInternals;
  return {
    dialect: new MysqlDialect({
      pool,
      // Strict mode on every connection, so a too-long value is an error as on PostgreSQL instead of
      // being cut short, whatever the server's default sql_mode.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(
          CompiledQuery.raw(
            "set session sql_mode = concat_ws(',', nullif(@@session.sql_mode, ''), 'STRICT_ALL_TABLES')",
          ),
        );
      },
    }),
    poolStats: () => ({
      max: poolSize,
      total: internals._allConnections?.length ?? 0,
      idle: internals._freeConnections?.length ?? 0,
      waiting: internals._connectionQueue?.length ?? 0,
    }),
  };
}

// int8 (BIGINT, and count(*)) as a JS number, for this pool only: setting it on pg.types would change
// every other pg user in the process. Values beyond 2^53 stay strings, as mysql2 does.
const int8Oid = 20;
const int8AsNumber: pgModule.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === int8Oid && format !== 'binary') {
      return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      };
    }
    return loadDriver.postgres().types.getTypeParser(oid, format);
  }) as typeof pgModule.types.getTypeParser,
};

function openPostgres(
  address: ServerAddress,
  poolSize: number,
  onPoolError: (error: Error) => void,
): OpenedDialect {
  const pool = new (loadDriver.postgres().Pool)({
    // pg, like libpq, takes a socket directory as the host.
    host: address.socketPath ?? address.host ?? 'localhost',
    port: address.port,
    user: address.user,
    password: address.password ?? undefined,
    database: address.database,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'diwan',
    types: int8AsNumber,
  });
  pool.on('error', onPoolError);
  return {
    dialect: new PostgresDialect({ pool }),
    poolStats: () => ({
      max: poolSize,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
  };
}
