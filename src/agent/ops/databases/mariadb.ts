import { createRequire } from 'node:module';
import type * as mysqlPromise from 'mysql2/promise';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { DatabaseLive } from '../../../contract/databases.js';
import { asServer, type DatabaseServer } from './engine.js';

export interface MariaDbOptions {
  /** The server's socket; the agent connects as root over it (unix_socket auth, as Debian sets up). */
  socketPath: string;
  user: string;
}

export const defaultMariaDbOptions: MariaDbOptions = { socketPath: '/run/mysqld/mysqld.sock', user: 'root' };

const SYSTEM_SCHEMAS = ['mysql', 'sys', 'information_schema', 'performance_schema'];
const LABEL = 'MariaDB';
const require = createRequire(import.meta.url);

/**
 * MariaDB/MySQL as root over its socket. Identifiers go through mysql2's `??` (backtick escaping) and
 * values, account names included, through `?`: never text of ours spliced into SQL. Each account is
 * `'user'@'host'`; a user with several hosts is several accounts with one password.
 */
export function createMariaDbServer(options: MariaDbOptions = defaultMariaDbOptions): DatabaseServer {
  let pool: Pool | null = null;
  function db(): Pool {
    // Loaded on first use, as the panel's own driver is: a host without MariaDB never pays for it.
    const mysql = require('mysql2/promise') as typeof mysqlPromise;
    // Values are escaped by mysql2 (backslash style); they are allow-listed anyway, so a server in
    // NO_BACKSLASH_ESCAPES mode reads them alike.
    pool ??= mysql.createPool({
      socketPath: options.socketPath,
      user: options.user,
      connectionLimit: 2,
      supportBigNumbers: true,
      multipleStatements: false,
    });
    return pool;
  }
  const query = async <T extends RowDataPacket[]>(what: string, sql: string, values: unknown[] = []) =>
    asServer(LABEL, what, async () => (await db().query<T>(sql, values))[0]);

  async function eachAccount(username: string, hosts: readonly string[], sql: string, what: string) {
    for (const host of hosts) await query(what, sql, [username, host]);
  }

  return {
    label: LABEL,
    async list(names) {
      if (names && names.length === 0) return [];
      const filter = names ? 'AND s.SCHEMA_NAME IN (?)' : '';
      const rows = await query<RowDataPacket[]>(
        'list databases',
        `SELECT s.SCHEMA_NAME AS name, s.DEFAULT_CHARACTER_SET_NAME AS charset,
                s.DEFAULT_COLLATION_NAME AS collation,
                COALESCE(SUM(t.DATA_LENGTH + t.INDEX_LENGTH), 0) AS size, COUNT(t.TABLE_NAME) AS tables
           FROM information_schema.SCHEMATA s
           LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
          WHERE s.SCHEMA_NAME NOT IN (?) ${filter}
          GROUP BY s.SCHEMA_NAME, s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME
          ORDER BY s.SCHEMA_NAME`,
        names ? [SYSTEM_SCHEMAS, names] : [SYSTEM_SCHEMAS],
      );
      return rows.map((row): DatabaseLive => ({
        name: String(row.name),
        sizeBytes: Number(row.size),
        tables: Number(row.tables),
        charset: row.charset === null ? null : String(row.charset),
        collation: row.collation === null ? null : String(row.collation),
      }));
    },
    async databaseExists(name) {
      const rows = await query<RowDataPacket[]>(
        'look up a database',
        'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [name],
      );
      return rows.length > 0;
    },
    async userExists(username) {
      const rows = await query<RowDataPacket[]>('look up a user', 'SELECT 1 FROM mysql.user WHERE User = ?', [
        username,
      ]);
      return rows.length > 0;
    },
    async createDatabase({ name, charset, collation }) {
      const { sql, values } = withCharset('CREATE DATABASE ??', name, charset, collation);
      await query('create the database', sql, values);
    },
    async alterDatabase({ name, charset, collation }) {
      const { sql, values } = withCharset('ALTER DATABASE ??', name, charset, collation);
      if (values.length > 1) await query('change the database', sql, values);
    },
    async dropDatabase(name) {
      await query('drop the database', 'DROP DATABASE IF EXISTS ??', [name]);
    },
    async createUser(username, hosts, password) {
      for (const host of hosts)
        await query('create the user', 'CREATE USER ?@? IDENTIFIED BY ?', [username, host, password]);
    },
    async dropUser(username, hosts) {
      await eachAccount(username, hosts, 'DROP USER IF EXISTS ?@?', 'drop the user');
    },
    async setPassword(username, hosts, password) {
      for (const host of hosts)
        await query('change the password', 'ALTER USER ?@? IDENTIFIED BY ?', [username, host, password]);
    },
    async grant(database, username, hosts) {
      for (const host of hosts)
        await query('grant', 'GRANT ALL PRIVILEGES ON ??.* TO ?@?', [database, username, host]);
    },
    async revoke(database, username, hosts) {
      // MariaDB keeps privileges on a database after it is dropped; they are revoked by name here.
      for (const host of hosts) {
        const held = await query<RowDataPacket[]>(
          'look up grants',
          'SELECT 1 FROM mysql.db WHERE Db = ? AND User = ? AND Host = ?',
          [database, username, host],
        );
        if (held.length > 0)
          await query('revoke', 'REVOKE ALL PRIVILEGES ON ??.* FROM ?@?', [database, username, host]);
      }
    },
    async grantees(database) {
      const rows = await query<RowDataPacket[]>(
        'look up grants',
        'SELECT User AS user, Host AS host FROM mysql.db WHERE Db = ? ORDER BY User, Host',
        [database],
      );
      return rows.map((row) => `${String(row.user)}@${String(row.host)}`);
    },
    async connection() {
      const [row] = await query<RowDataPacket[]>(
        'read its settings',
        'SELECT @@port AS port, @@socket AS socket, @@bind_address AS bind',
      );
      const bind = String(row?.bind ?? '');
      const host = bind === '' || bind === '0.0.0.0' || bind === '*' || bind === '::' ? '127.0.0.1' : bind;
      return { host, port: Number(row?.port ?? 3306), socket: row?.socket ? String(row.socket) : null };
    },
    async close() {
      await pool?.end();
      pool = null;
    },
  };
}

function withCharset(statement: string, name: string, charset?: string, collation?: string) {
  const parts = [statement];
  const values: unknown[] = [name];
  if (charset) {
    parts.push('CHARACTER SET ?');
    values.push(charset);
  }
  if (collation) {
    parts.push('COLLATE ?');
    values.push(collation);
  }
  return { sql: parts.join(' '), values };
}
