import path from 'node:path';

import type { DatabaseConfig } from '../config/types.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Where a MySQL/MariaDB or PostgreSQL server is and how to log in, as the drivers want it. */
export interface ServerAddress {
  dialect: 'mysql' | 'postgres';
  /** Null when connecting over a Unix socket. */
  host: string | null;
  port: number;
  /** mysql: the socket file; postgres: the directory holding `.s.PGSQL.<port>` (as libpq and pg take it). */
  socketPath: string | null;
  user: string;
  password: string | null;
  database: string;
}

const forms =
  'sqlite:PATH, mysql://USER:PASSWORD@HOST:PORT/DATABASE or postgres://USER:PASSWORD@HOST:PORT/DATABASE';
const mysqlForm = 'mysql://USER:PASSWORD@HOST:PORT/DATABASE (or ?socket=/run/mysqld/mysqld.sock)';
const postgresForm = 'postgres://USER:PASSWORD@HOST:PORT/DATABASE (or ?host=/var/run/postgresql)';

const schemes: Record<string, ServerAddress['dialect']> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  postgres: 'postgres',
  postgresql: 'postgres',
};

const defaultPorts = { mysql: 3306, postgres: 5432 } as const;

/**
 * Reads `DIWAN_DATABASE_URL`. Messages are one sentence that says what is expected and never repeat
 * the password, so the config layer can print them as they are.
 */
export function parseDatabaseUrl(
  raw: string,
  opts: { dataDir: string; poolSize: number },
): ParseResult<DatabaseConfig> {
  const url = raw.trim();
  if (url === '') return fail(`must be ${forms}, but it is empty`);

  if (/^sqlite:/i.test(url)) {
    const file = parseSqlitePath(url.slice('sqlite:'.length), opts.dataDir);
    if (!file.ok) return file;
    // One connection, whatever the pool size says: SQLite serializes writers anyway.
    return { ok: true, value: { dialect: 'sqlite', url, sqlitePath: file.value, poolSize: 1 } };
  }

  const address = parseServerUrl(url);
  if (!address.ok) return address;
  return {
    ok: true,
    value: { dialect: address.value.dialect, url, sqlitePath: null, poolSize: opts.poolSize },
  };
}

function parseSqlitePath(rest: string, dataDir: string): ParseResult<string> {
  const expected =
    'must be sqlite:PATH, e.g. sqlite:/var/lib/diwan/panel.db, sqlite:panel.db or sqlite::memory:';
  if (rest === ':memory:') return { ok: true, value: ':memory:' };
  if (rest === '') return fail(`${expected}, but the path is empty`);
  if (rest.includes('\0')) return fail(`${expected}, but the path contains a NUL byte`);
  if (rest.startsWith('//')) {
    // sqlite:///abs/path is the file-URL way to write an absolute path; sqlite://x is ambiguous.
    if (rest.startsWith('///')) return { ok: true, value: path.resolve(rest.slice(2)) };
    return fail(`${expected} (sqlite://NAME is ambiguous: write sqlite:NAME or sqlite:/absolute/NAME)`);
  }
  if (rest.startsWith('~')) return fail(`${expected} (~ is not expanded: write the absolute path)`);
  return { ok: true, value: path.resolve(dataDir, rest) };
}

/**
 * Splits a mysql:// or postgres:// URL. Hand-written rather than `new URL()` so that a socket URL
 * may leave the host empty (`mysql://root@/diwan?socket=...`) and a bad port gets its own message.
 */
export function parseServerUrl(url: string): ParseResult<ServerAddress> {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(url);
  if (!match) {
    return /^[a-z][a-z0-9+.-]*:/i.test(url)
      ? fail(`must be ${forms}; "${url.split(':')[0]}:" is not one of these schemes`)
      : fail(`must be ${forms}`);
  }
  const scheme = match[1]!.toLowerCase();
  const dialect = schemes[scheme];
  if (!dialect) return fail(`must be ${forms}; "${scheme}:" is not one of these schemes`);
  const form = dialect === 'mysql' ? mysqlForm : postgresForm;
  let rest = match[2]!;

  if (rest.includes('#')) return fail(`must be ${form}, without a #fragment (write # in a password as %23)`);
  let query = '';
  const queryAt = rest.indexOf('?');
  if (queryAt >= 0) {
    query = rest.slice(queryAt + 1);
    rest = rest.slice(0, queryAt);
  }
  const slashAt = rest.indexOf('/');
  const authority = slashAt >= 0 ? rest.slice(0, slashAt) : rest;
  const pathPart = slashAt >= 0 ? rest.slice(slashAt + 1) : '';

  // The last @ ends the credentials, as in WHATWG URLs, so an unescaped @ in a password still works.
  const atAt = authority.lastIndexOf('@');
  const userinfo = atAt >= 0 ? authority.slice(0, atAt) : null;
  const hostPort = atAt >= 0 ? authority.slice(atAt + 1) : authority;

  let user = '';
  let password: string | null = null;
  if (userinfo !== null) {
    const colonAt = userinfo.indexOf(':');
    const rawUser = colonAt >= 0 ? userinfo.slice(0, colonAt) : userinfo;
    const rawPassword = colonAt >= 0 ? userinfo.slice(colonAt + 1) : '';
    const decodedUser = decode(rawUser);
    const decodedPassword = decode(rawPassword);
    if (decodedUser === null || decodedPassword === null) {
      return fail(`must be ${form}, with special characters in USER and PASSWORD written as %XX`);
    }
    user = decodedUser;
    password = decodedPassword === '' ? null : decodedPassword;
  }
  if (user === '') return fail(`must be ${form}, with a USER`);

  const hostAndPort = splitHostPort(hostPort);
  if (!hostAndPort.ok) return fail(`must be ${form}; ${hostAndPort.message}`);
  let { host } = hostAndPort.value;
  const port = hostAndPort.value.port ?? defaultPorts[dialect];

  const database = decode(pathPart);
  if (database === null || database === '')
    return fail(`must be ${form}, with the DATABASE name after the /`);
  if (database.includes('/') || /\p{Cc}/u.test(database)) {
    return fail(`must be ${form}, where DATABASE is one name without / or control characters`);
  }

  const params = parseQuery(query);
  if (!params.ok) return fail(`must be ${form}; ${params.message}`);
  const socketKey = dialect === 'mysql' ? 'socket' : 'host';
  let socketPath: string | null = null;
  for (const [key, value] of params.value) {
    // Anything else (sslmode, ssl, charset …) is refused rather than ignored: ignoring sslmode=require
    // would quietly send the password in clear.
    if (key !== socketKey) return fail(`must be ${form}; the only parameter it accepts is ?${socketKey}=`);
    if (!value.startsWith('/')) return fail(`must be ${form}; ?${socketKey}= must be an absolute path`);
    socketPath = value;
  }
  if (host !== null && host.startsWith('/')) {
    // libpq also accepts the socket directory percent-encoded in the host part; mysql clients do not.
    if (dialect === 'mysql') return fail(`must be ${form}; give the socket as ?socket=, not as HOST`);
    socketPath ??= host;
    host = null;
  }
  if (socketPath !== null) host = null;
  else if (host === null) return fail(`must be ${form}, with a HOST`);

  return { ok: true, value: { dialect, host, port, socketPath, user, password, database } };
}

function splitHostPort(hostPort: string): ParseResult<{ host: string | null; port: number | null }> {
  let host: string;
  let portText: string | null = null;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return fail('the IPv6 address in HOST lacks its closing ]');
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after !== '' && !after.startsWith(':'))
      return fail('HOST has stray characters after the IPv6 address');
    if (after !== '') portText = after.slice(1);
    if (!/^[0-9a-f:.]+$/i.test(host)) return fail('HOST is not a valid IPv6 address');
  } else {
    const colonAt = hostPort.indexOf(':');
    host = colonAt >= 0 ? hostPort.slice(0, colonAt) : hostPort;
    if (colonAt >= 0) portText = hostPort.slice(colonAt + 1);
    const decoded = decode(host);
    if (decoded === null) return fail('HOST has a malformed %-escape');
    host = decoded;
    if (host !== '' && !host.startsWith('/') && !/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i.test(host)) {
      return fail('HOST must be a host name or an IP address');
    }
  }
  let port: number | null = null;
  if (portText !== null) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return fail('PORT must be a number from 1 to 65535');
  }
  return { ok: true, value: { host: host === '' ? null : host, port } };
}

function parseQuery(query: string): ParseResult<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    // Not URLSearchParams: it turns + into a space, and + is legal in a socket path.
    const key = decode(eq >= 0 ? part.slice(0, eq) : part);
    const value = decode(eq >= 0 ? part.slice(eq + 1) : '');
    if (key === null || value === null) return fail('a parameter has a malformed %-escape');
    if (pairs.some(([seen]) => seen === key)) return fail(`the parameter ${key} is given twice`);
    pairs.push([key, value]);
  }
  return { ok: true, value: pairs };
}

/**
 * The server address of a config that `parseDatabaseUrl` accepted; throws on anything else, since
 * reaching here with a bad URL is a bug, not a user error.
 */
export function serverAddressOf(url: string): ServerAddress {
  const parsed = parseServerUrl(url.trim());
  if (!parsed.ok) throw new Error(`database URL ${redactUrl(url)} ${parsed.message}`);
  return parsed.value;
}

/**
 * Hides the password for logs and messages. Deliberately coarse: everything between the first : of
 * the credentials and the last @ is hidden, so a password with an unescaped @ or / does not leak even
 * from a URL that does not parse.
 */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  let out = url;
  if (schemeEnd >= 0) {
    const rest = url.slice(schemeEnd + 3);
    const atAt = rest.lastIndexOf('@');
    const colonAt = rest.indexOf(':');
    if (atAt >= 0 && colonAt >= 0 && colonAt < atAt) {
      out = `${url.slice(0, schemeEnd + 3)}${rest.slice(0, colonAt)}:***${rest.slice(atAt)}`;
    }
  }
  // libpq-style ?password= too, though parseDatabaseUrl refuses it.
  return out.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
