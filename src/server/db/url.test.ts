import { describe, expect, it } from 'vitest';

import { parseDatabaseUrl, redactUrl, serverAddressOf } from './url.js';

const opts = { dataDir: '/var/lib/diwan', poolSize: 7 };

function accepted(raw: string) {
  const result = parseDatabaseUrl(raw, opts);
  if (!result.ok) throw new Error(`expected ${raw} to parse: ${result.message}`);
  return result.value;
}

function rejected(raw: string): string {
  const result = parseDatabaseUrl(raw, opts);
  if (result.ok) throw new Error(`expected ${raw} to be refused`);
  return result.message;
}

describe('parseDatabaseUrl: sqlite', () => {
  it('resolves a relative path against the data dir, not the working directory', () => {
    expect(accepted('sqlite:panel.db')).toEqual({
      dialect: 'sqlite',
      url: 'sqlite:panel.db',
      sqlitePath: '/var/lib/diwan/panel.db',
      poolSize: 1,
    });
    expect(accepted('sqlite:./db/../panel.db').sqlitePath).toBe('/var/lib/diwan/panel.db');
  });

  it('keeps absolute paths, the file-URL form and :memory:', () => {
    expect(accepted('sqlite:/srv/diwan.db').sqlitePath).toBe('/srv/diwan.db');
    expect(accepted('sqlite:///srv/diwan.db').sqlitePath).toBe('/srv/diwan.db');
    expect(accepted('sqlite::memory:').sqlitePath).toBe(':memory:');
    expect(accepted('  SQLITE:/srv/diwan.db\n').sqlitePath).toBe('/srv/diwan.db');
  });

  it('uses one connection whatever the pool size', () => {
    expect(accepted('sqlite:/srv/diwan.db').poolSize).toBe(1);
  });

  it('refuses an empty path, ~, NUL and the ambiguous sqlite://name', () => {
    expect(rejected('sqlite:')).toMatch(/must be sqlite:PATH.*the path is empty/);
    expect(rejected('sqlite:~/panel.db')).toMatch(/~ is not expanded/);
    expect(rejected('sqlite:/srv/a\0b.db')).toMatch(/NUL/);
    expect(rejected('sqlite://panel.db')).toMatch(/ambiguous/);
  });
});

describe('parseDatabaseUrl: mysql and mariadb', () => {
  it('accepts the full TCP form with the configured pool size', () => {
    expect(accepted('mysql://diwan:s3cret@db.example.com:3307/panel')).toEqual({
      dialect: 'mysql',
      url: 'mysql://diwan:s3cret@db.example.com:3307/panel',
      sqlitePath: null,
      poolSize: 7,
    });
    expect(serverAddressOf('mysql://diwan:s3cret@db.example.com:3307/panel')).toEqual({
      dialect: 'mysql',
      host: 'db.example.com',
      port: 3307,
      socketPath: null,
      user: 'diwan',
      password: 's3cret',
      database: 'panel',
    });
  });

  it('reads mariadb:// as mysql, defaults the port and decodes %-escapes', () => {
    expect(accepted('mariadb://diwan:pw@localhost/panel').dialect).toBe('mysql');
    const address = serverAddressOf('mariadb://di%40wan:p%40ss%2Fw%3Ard@127.0.0.1/pan%65l');
    expect(address).toMatchObject({ port: 3306, user: 'di@wan', password: 'p@ss/w:rd', database: 'panel' });
  });

  it('takes an unescaped @ in the password up to the last @', () => {
    expect(serverAddressOf('mysql://diwan:p@ss@localhost/panel')).toMatchObject({
      user: 'diwan',
      password: 'p@ss',
      host: 'localhost',
    });
  });

  it('accepts a Unix socket, with or without a host', () => {
    const withoutHost = serverAddressOf('mysql://root@/panel?socket=/run/mysqld/mysqld.sock');
    expect(withoutHost).toMatchObject({ host: null, socketPath: '/run/mysqld/mysqld.sock', password: null });
    const withHost = serverAddressOf('mysql://root@localhost/panel?socket=/run/mysqld/mysqld.sock');
    expect(withHost).toMatchObject({ host: null, socketPath: '/run/mysqld/mysqld.sock' });
  });

  it('accepts IPv6 hosts', () => {
    expect(serverAddressOf('mysql://u:p@[::1]:3306/panel')).toMatchObject({ host: '::1', port: 3306 });
  });

  it('refuses a missing database, user or host', () => {
    expect(rejected('mysql://diwan:pw@localhost:3306')).toMatch(/DATABASE name/);
    expect(rejected('mysql://diwan:pw@localhost:3306/')).toMatch(/DATABASE name/);
    expect(rejected('mysql://localhost/panel')).toMatch(/with a USER/);
    expect(rejected('mysql://:pw@localhost/panel')).toMatch(/with a USER/);
    expect(rejected('mysql://diwan:pw@/panel')).toMatch(/with a HOST/);
  });

  it('refuses bad ports', () => {
    for (const port of ['0', '65536', '99999', 'abc', '-1', '', '3306x']) {
      expect(rejected(`mysql://diwan:pw@localhost:${port}/panel`)).toMatch(
        /PORT must be a number from 1 to 65535/,
      );
    }
  });

  it('refuses a nested path, unknown parameters and a relative socket', () => {
    expect(rejected('mysql://diwan:pw@localhost/a/b')).toMatch(/one name/);
    expect(rejected('mysql://diwan:pw@localhost/pa%0Anel')).toMatch(/control characters/);
    expect(rejected('mysql://diwan:pw@localhost/panel?ssl=true')).toMatch(
      /only parameter it accepts is \?socket=/,
    );
    expect(rejected('mysql://diwan:pw@localhost/panel?socket=mysqld.sock')).toMatch(/absolute path/);
    expect(rejected('mysql://diwan:pw@localhost/panel?socket=/a&socket=/b')).toMatch(/given twice/);
    expect(rejected('mysql://diwan:pw@%2Frun%2Fmysqld/panel')).toMatch(/\?socket=/);
  });

  it('refuses malformed escapes and fragments without echoing the password', () => {
    const message = rejected('mysql://diwan:sec%ZZret@localhost/panel');
    expect(message).toMatch(/%XX/);
    expect(message).not.toContain('sec');
    expect(rejected('mysql://diwan:sec#ret@localhost/panel')).not.toContain('sec');
  });
});

describe('parseDatabaseUrl: postgres', () => {
  it('accepts postgres:// and postgresql://', () => {
    expect(accepted('postgres://diwan:pw@localhost:5433/panel').dialect).toBe('postgres');
    expect(serverAddressOf('postgresql://diwan:pw@localhost/panel')).toMatchObject({
      port: 5432,
      host: 'localhost',
    });
  });

  it('accepts a socket directory as ?host= or %-encoded in the host part, as libpq does', () => {
    expect(serverAddressOf('postgres://root@/panel?host=/var/run/postgresql')).toMatchObject({
      host: null,
      socketPath: '/var/run/postgresql',
      port: 5432,
    });
    expect(serverAddressOf('postgres://root@%2Fvar%2Frun%2Fpostgresql/panel')).toMatchObject({
      host: null,
      socketPath: '/var/run/postgresql',
    });
  });

  it('refuses sslmode rather than ignoring it', () => {
    expect(rejected('postgres://diwan:pw@db/panel?sslmode=require')).toMatch(
      /only parameter it accepts is \?host=/,
    );
  });

  it('refuses a missing database name', () => {
    expect(rejected('postgres://diwan:pw@localhost:5432')).toMatch(
      /^must be postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE.*DATABASE name/,
    );
  });
});

describe('parseDatabaseUrl: garbage', () => {
  const forms = /must be sqlite:PATH, mysql:\/\/USER:PASSWORD@HOST:PORT\/DATABASE or postgres:\/\//;

  it('says what is expected for empty input', () => {
    expect(rejected('')).toMatch(forms);
    expect(rejected('   ')).toMatch(/it is empty/);
  });

  it('names an unknown scheme', () => {
    expect(rejected('redis://localhost/0')).toMatch(/"redis:" is not one of these schemes/);
    expect(rejected('mongodb+srv://u:p@h/db')).toMatch(forms);
    expect(rejected('file:/srv/panel.db')).toMatch(/"file:"/);
  });

  it('refuses text that is not a URL at all', () => {
    for (const raw of ['panel.db', '/srv/panel.db', 'not a url', '://', '💥']) {
      expect(rejected(raw)).toMatch(forms);
    }
  });

  it('refuses hosts with characters no host name has', () => {
    expect(rejected('mysql://u:p@bad host/panel')).toMatch(/HOST must be a host name/);
    expect(rejected('postgres://u:p@[::1/panel')).toMatch(/closing ]/);
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('mysql://diwan:s3cret@localhost:3306/panel')).toBe(
      'mysql://diwan:***@localhost:3306/panel',
    );
    expect(redactUrl('redis://:s3cret@127.0.0.1:6379/0')).toBe('redis://:***@127.0.0.1:6379/0');
  });

  it('hides a password with unescaped @ or / even when the URL does not parse', () => {
    const redacted = redactUrl('postgres://diwan:p@ss/w0rd@db:5432/panel');
    expect(redacted).toBe('postgres://diwan:***@db:5432/panel');
    expect(redacted).not.toMatch(/p@ss|w0rd/);
  });

  it('hides ?password= too', () => {
    expect(redactUrl('postgres://diwan@db/panel?password=s3cret&x=1')).toBe(
      'postgres://diwan@db/panel?password=***&x=1',
    );
  });

  it('leaves URLs without a password alone', () => {
    for (const url of ['sqlite:/srv/panel.db', 'mysql://root@/panel?socket=/run/mysqld/mysqld.sock', '']) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});
