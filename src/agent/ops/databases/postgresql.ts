import { createRequire } from 'node:module';
import type * as pgModule from 'pg';
import type { Client, ClientConfig, Pool } from 'pg';
import type { DatabaseLive } from '../../../contract/databases.js';
import { DiwanError } from '../../../contract/errors.js';
import { lookupOsUser, type OsUser } from '../../system/os-users.js';
import { PeerStream } from '../../system/peer-socket.js';
import { asServer, type DatabaseServer } from './engine.js';
import { scramVerifier } from './scram.js';

export interface PostgresOptions {
  /** The socket directory; the agent connects as the superuser over it. */
  socketDir: string;
  /** The server's port, which also names its socket file (`.s.PGSQL.<port>`); default 5432. */
  port?: number;
  user: string;
  /**
   * The OS user whose identity the agent's connections and tools carry when it runs as root, for
   * `peer` authentication (stock Debian: `local all postgres peer`); see system/peer-socket.ts.
   * Defaults to `user`; null connects as the agent itself.
   */
  osUser?: string | null;
}

export const defaultPostgresOptions: PostgresOptions = { socketDir: '/var/run/postgresql', user: 'postgres' };

/**
 * Who the agent connects and runs PostgreSQL's tools as: the OS user (resolving to null when the
 * host has no such user), or null for the agent itself (not root, or `osUser: null`).
 */
export function postgresOsUser(options: PostgresOptions): (() => Promise<OsUser | null>) | null {
  const name = options.osUser === undefined ? options.user : options.osUser;
  if (name === null || process.getuid?.() !== 0) return null;
  let found: Promise<OsUser | null> | null = null;
  return () => (found ??= lookupOsUser(name));
}

const LABEL = 'PostgreSQL';
const require = createRequire(import.meta.url);

type Quote = Pick<Client, 'escapeIdentifier' | 'escapeLiteral'>;

/**
 * PostgreSQL as its superuser over the socket. Utility statements (CREATE ROLE, GRANT) take no
 * parameters, so identifiers and literals are quoted by pg's own escapeIdentifier/escapeLiteral, and
 * passwords travel as SCRAM verifiers, never as themselves. Roles own their databases; every other
 * role is kept out (CONNECT revoked from PUBLIC) unless granted.
 */
export function createPostgresServer(options: PostgresOptions = defaultPostgresOptions) {
  let pool: Pool | null = null;
  const pg = () => require('pg') as typeof pgModule;
  const osUser = postgresOsUser(options);
  const base = (database: string): ClientConfig => ({
    host: options.socketDir,
    port: options.port ?? 5432,
    user: options.user,
    database,
    connectionTimeoutMillis: 15_000,
    ...(osUser ? { stream: () => new PeerStream(osUser) } : {}),
  });
  function db(): Pool {
    // Each new connection starts a connector process (peer-socket.ts): idle ones are kept a minute.
    pool ??= new (pg().Pool)({ ...base('postgres'), max: 2, idleTimeoutMillis: 60_000 });
    return pool;
  }
  // escapeIdentifier and escapeLiteral are pure; any client object has them.
  const quote: Quote = new (pg().Client)();
  const id = (name: string) => quote.escapeIdentifier(name);
  const literal = (text: string) => quote.escapeLiteral(text);

  const query = (what: string, sql: string, values: unknown[] = []) =>
    asServer(LABEL, what, async () => (await db().query(sql, values)).rows as Record<string, unknown>[]);

  /** Runs statements inside one database (schema privileges live there, not in `postgres`). */
  async function inDatabase(database: string, what: string, statements: string[]): Promise<void> {
    await asServer(LABEL, what, async () => {
      const client = new (pg().Client)(base(database));
      await client.connect();
      try {
        for (const statement of statements) await client.query(statement);
      } finally {
        await client.end();
      }
    });
  }

  const server: DatabaseServer & {
    hbaFile(): Promise<string>;
    reload(): Promise<void>;
    hbaErrors(): Promise<string[]>;
    createHelperRole(helper: string, password: string, owner: string): Promise<void>;
    dropHelperRole(helper: string, database: string, owner: string): Promise<void>;
  } = {
    label: LABEL,
    async list(names) {
      if (names && names.length === 0) return [];
      const rows = await query(
        'list databases',
        `SELECT datname AS name, pg_database_size(oid) AS size, pg_encoding_to_char(encoding) AS charset,
                datcollate AS collation
           FROM pg_database
          WHERE NOT datistemplate AND datname <> 'postgres' ${names ? 'AND datname = ANY($1)' : ''}
          ORDER BY datname`,
        names ? [names] : [],
      );
      // Counting tables means connecting to each database: only done when one database is asked for.
      const tables = names?.length === 1 && rows.length === 1 ? await tableCount(names[0]!) : null;
      return rows.map((row): DatabaseLive => ({
        name: String(row.name),
        sizeBytes: Number(row.size),
        tables,
        charset: row.charset === null ? null : String(row.charset),
        collation: row.collation === null ? null : String(row.collation),
      }));
    },
    async databaseExists(name) {
      return (
        (await query('look up a database', 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0
      );
    },
    async userExists(username) {
      return (
        (await query('look up a role', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).length > 0
      );
    },
    async createDatabase({ name, owner, charset, collation }) {
      const parts = [`CREATE DATABASE ${id(name)} OWNER ${id(owner)} TEMPLATE template0`];
      if (charset) parts.push(`ENCODING ${literal(charset)}`);
      if (collation) parts.push(`LC_COLLATE ${literal(collation)} LC_CTYPE ${literal(collation)}`);
      await query('create the database', parts.join(' '));
      await query('keep other roles out', `REVOKE ALL ON DATABASE ${id(name)} FROM PUBLIC`);
    },
    async alterDatabase() {
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        'charset: PostgreSQL cannot change the encoding or collation of an existing database',
        'charset',
      );
    },
    async dropDatabase(name) {
      await query('drop the database', `DROP DATABASE IF EXISTS ${id(name)} WITH (FORCE)`);
    },
    async createUser(username, _hosts, password) {
      await query(
        'create the role',
        `CREATE ROLE ${id(username)} LOGIN PASSWORD ${literal(scramVerifier(password))}`,
      );
    },
    async dropUser(username) {
      await query('drop the role', `DROP ROLE IF EXISTS ${id(username)}`);
    },
    async setPassword(username, _hosts, password) {
      await query(
        'change the password',
        `ALTER ROLE ${id(username)} PASSWORD ${literal(scramVerifier(password))}`,
      );
    },
    async grant(database, username) {
      const owner = await ownerOf(database);
      await query('grant', `GRANT ALL ON DATABASE ${id(database)} TO ${id(username)}`);
      if (owner === username) return;
      await inDatabase(database, 'grant', [
        `GRANT USAGE, CREATE ON SCHEMA public TO ${id(username)}`,
        `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${id(username)}`,
        `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${id(username)}`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(owner)} IN SCHEMA public GRANT ALL ON TABLES TO ${id(username)}`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(owner)} IN SCHEMA public GRANT ALL ON SEQUENCES TO ${id(username)}`,
      ]);
    },
    async revoke(database, username) {
      if (!(await server.databaseExists(database))) return;
      const owner = await ownerOf(database);
      if (owner !== username)
        await inDatabase(database, 'revoke', [
          `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(owner)} IN SCHEMA public REVOKE ALL ON TABLES FROM ${id(username)}`,
          `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(owner)} IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${id(username)}`,
          `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${id(username)}`,
          `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${id(username)}`,
          `REVOKE ALL ON SCHEMA public FROM ${id(username)}`,
        ]);
      await query('revoke', `REVOKE ALL ON DATABASE ${id(database)} FROM ${id(username)}`);
    },
    async grantees(database) {
      const rows = await query(
        'look up grants',
        `SELECT DISTINCT r.rolname AS name
           FROM pg_database d, aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a
           JOIN pg_roles r ON r.oid = a.grantee
          WHERE d.datname = $1
          ORDER BY 1`,
        [database],
      );
      return rows.map((row) => String(row.name));
    },
    async connection() {
      const rows = await query(
        'read its settings',
        "SELECT current_setting('port') AS port, current_setting('listen_addresses') AS listen",
      );
      const listen =
        String(rows[0]?.listen ?? '')
          .split(',')[0]
          ?.trim() ?? '';
      const host =
        listen === '' || listen === '*' || listen === '0.0.0.0' || listen === 'localhost'
          ? '127.0.0.1'
          : listen;
      return { host, port: Number(rows[0]?.port ?? 5432), socket: options.socketDir };
    },
    async hbaFile() {
      const rows = await query('find pg_hba.conf', 'SHOW hba_file');
      return String(rows[0]?.hba_file);
    },
    async hbaErrors() {
      const rows = await query(
        'check pg_hba.conf',
        'SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL ORDER BY line_number',
      );
      return rows.map((row) => `line ${String(row.line_number)}: ${String(row.error)}`);
    },
    async reload() {
      await query('reload its configuration', 'SELECT pg_reload_conf()');
    },
    /** A throwaway login that may act as `owner` and nothing more: what an import runs as. */
    async createHelperRole(helper, password, owner) {
      await query(
        'create the import role',
        `CREATE ROLE ${id(helper)} LOGIN PASSWORD ${literal(scramVerifier(password))} IN ROLE ${id(owner)}`,
      );
    },
    async dropHelperRole(helper, database, owner) {
      if (await server.databaseExists(database))
        await inDatabase(database, 'drop the import role', [
          `REASSIGN OWNED BY ${id(helper)} TO ${id(owner)}`,
          `DROP OWNED BY ${id(helper)}`,
        ]);
      await query('drop the import role', `DROP ROLE IF EXISTS ${id(helper)}`);
    },
    async close() {
      await pool?.end();
      pool = null;
    },
  };

  async function tableCount(database: string): Promise<number> {
    return asServer(LABEL, 'count tables', async () => {
      const client = new (pg().Client)(base(database));
      await client.connect();
      try {
        const result = await client.query(
          "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        );
        return Number(result.rows[0]?.n ?? 0);
      } finally {
        await client.end();
      }
    });
  }

  async function ownerOf(database: string): Promise<string> {
    const rows = await query(
      'look up the owner',
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [database],
    );
    return String(rows[0]?.owner);
  }

  return server;
}

export type PostgresServer = ReturnType<typeof createPostgresServer>;
