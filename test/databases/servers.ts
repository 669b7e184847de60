import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import mysql from 'mysql2/promise';
import pg from 'pg';
import hostile from '../fixtures/hostile-inputs.json' with { type: 'json' };

// The real MariaDB and PostgreSQL of this machine, as their administrators, for tests to look at
// what the API did. Names made here are unique per run and start with a prefix the clean-up knows.

/** The corpus writes long strings as `__REPEAT_x_N__`: the character x repeated N times. */
const expand = (value: string) =>
  value.replace(/^__REPEAT_(.)_(\d+)__$/s, (_match, char: string, count: string) =>
    char.repeat(Number(count)),
  );
/** Passwords every password field must refuse with a 400 (the corpus' `password` group). */
export const hostilePasswords = hostile.password.values.map(expand);

export const runPrefix = `dwt${randomBytes(3).toString('hex')}`;
let counter = 0;
/** A fresh name for a database or user: lowercase, unique to this run. */
export const uniqueName = (kind: string) => `${runPrefix}_${kind}${++counter}`;

export const mariaAdmin = () =>
  mysql.createConnection({ socketPath: '/run/mysqld/mysqld.sock', user: 'root' });
export const postgresAdmin = async (database = 'postgres') => {
  const client = new pg.Client({ host: '/var/run/postgresql', user: 'postgres', database });
  await client.connect();
  return client;
};

/** Everything this run left on both servers: databases and users whose names carry the prefix. */
export async function serverState(prefix = runPrefix) {
  const maria = await mariaAdmin();
  const postgres = await postgresAdmin();
  try {
    const like = `${prefix}%`;
    const [dbs] = await maria.query<mysql.RowDataPacket[]>(
      'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1',
      [like],
    );
    const [users] = await maria.query<mysql.RowDataPacket[]>(
      "SELECT CONCAT(User, '@', Host) AS n FROM mysql.user WHERE User LIKE ? ORDER BY 1",
      [like],
    );
    const [grants] = await maria.query<mysql.RowDataPacket[]>(
      "SELECT CONCAT(User, '@', Host, ' on ', Db) AS n FROM mysql.db WHERE User LIKE ? OR Db LIKE ? ORDER BY 1",
      [like, like],
    );
    const pgDbs = await postgres.query(
      'SELECT datname AS n FROM pg_database WHERE datname LIKE $1 ORDER BY 1',
      [like],
    );
    const pgRoles = await postgres.query(
      'SELECT rolname AS n FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1',
      [like],
    );
    const names = (rows: { n: unknown }[]) => rows.map((row) => String(row.n));
    return {
      mariadb: {
        databases: names(dbs as { n: unknown }[]),
        users: names(users as { n: unknown }[]),
        grants: names(grants as { n: unknown }[]),
      },
      postgresql: { databases: names(pgDbs.rows), roles: names(pgRoles.rows) },
    };
  } finally {
    await maria.end();
    await postgres.end();
  }
}

/** Which of these names exist on either server as a database, a user or role, or in a grant. */
export async function namedState(names: readonly string[]) {
  const maria = await mariaAdmin();
  const postgres = await postgresAdmin();
  try {
    const list = [...new Set(names)];
    // Compared here, byte for byte: MariaDB's system tables are utf8mb3 and refuse to compare with
    // an emoji in an IN list.
    const wanted = new Set(list);
    const [allDbs] = await maria.query<mysql.RowDataPacket[]>(
      'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA',
    );
    const [allUsers] = await maria.query<mysql.RowDataPacket[]>(
      'SELECT User AS u, Host AS h FROM mysql.user',
    );
    const [allGrants] = await maria.query<mysql.RowDataPacket[]>(
      'SELECT User AS u, Host AS h, Db AS d FROM mysql.db',
    );
    const dbs = allDbs.filter((row) => wanted.has(String(row.n)));
    const users = allUsers
      .filter((row) => wanted.has(String(row.u)))
      .map((row) => ({ n: `${row.u}@${row.h}` }));
    const grants = allGrants
      .filter((row) => wanted.has(String(row.u)) || wanted.has(String(row.d)))
      .map((row) => ({ n: `${row.u}@${row.h} on ${row.d}` }));
    // PostgreSQL names cannot hold NUL, and its text parameters refuse it.
    const pgList = list.filter((name) => !name.includes('\0'));
    const pgDbs = await postgres.query('SELECT datname AS n FROM pg_database WHERE datname = ANY($1)', [
      pgList,
    ]);
    const pgRoles = await postgres.query('SELECT rolname AS n FROM pg_roles WHERE rolname = ANY($1)', [
      pgList,
    ]);
    const names_ = (rows: { n: unknown }[]) => rows.map((row) => String(row.n)).sort();
    return {
      mariadb: {
        databases: names_(dbs as { n: unknown }[]),
        users: names_(users as { n: unknown }[]),
        grants: names_(grants as { n: unknown }[]),
      },
      postgresql: { databases: names_(pgDbs.rows), roles: names_(pgRoles.rows) },
    };
  } finally {
    await maria.end();
    await postgres.end();
  }
}

/** Drops whatever this run left behind (a failed test must not leave databases on the machine). */
export async function dropLeftovers(prefix = runPrefix): Promise<void> {
  const state = await serverState(prefix);
  const maria = await mariaAdmin();
  const postgres = await postgresAdmin();
  try {
    for (const name of state.mariadb.databases) await maria.query('DROP DATABASE IF EXISTS ??', [name]);
    for (const account of state.mariadb.users) {
      const [user, host] = account.split('@') as [string, string];
      await maria.query('DROP USER IF EXISTS ?@?', [user, host]);
    }
    for (const name of state.postgresql.databases)
      await postgres.query(`DROP DATABASE IF EXISTS ${postgres.escapeIdentifier(name)} WITH (FORCE)`);
    for (const name of state.postgresql.roles)
      await postgres.query(`DROP ROLE IF EXISTS ${postgres.escapeIdentifier(name)}`);
  } finally {
    await maria.end();
    await postgres.end();
  }
}

/** A TCP connection to PostgreSQL's loopback address that leaves from `localAddress` (127.0.0.2 …). */
export function socketFrom(localAddress: string) {
  return class extends Socket {
    override connect(...args: unknown[]): this {
      const [port, host] = args as [number, string];
      return super.connect({ port, host, localAddress });
    }
  };
}

/** A PostgreSQL client over TCP to 127.0.0.1, leaving from `from` when given. */
export async function postgresTcp(user: string, password: string, database: string, from?: string) {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: 5432,
    user,
    password,
    database,
    ...(from ? { stream: () => new (socketFrom(from))() } : {}),
  });
  await client.connect();
  return client;
}
