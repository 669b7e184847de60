import { connect } from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hostile from '../fixtures/hostile-inputs.json' with { type: 'json' };
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';
import {
  dropLeftovers,
  hostilePasswords,
  namedState,
  postgresTcp,
  serverState,
  uniqueName,
} from './servers.js';

// Databases through the API against the real MariaDB and PostgreSQL of this machine. No skip: a test
// that needs a server fails when the server is not there.

let testApp: TestApp;
let admin: Record<string, string>;
let reader: Record<string, string>;
beforeAll(async () => {
  testApp = await buildTestApp();
  admin = await tokenHeaders(testApp, 'admin');
  reader = await tokenHeaders(testApp, 'read');
});
afterAll(async () => {
  await testApp?.close();
  await dropLeftovers();
});

const api = (
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
  headers = admin,
) => testApp.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

async function create(body: Record<string, unknown>) {
  const response = await api('POST', '/databases', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** mysql2 ignores `localAddress`: the connection from another loopback address is made here. */
const mariaTcp = (user: string, password: string, database: string, localAddress?: string) =>
  mysql.createConnection({
    host: '127.0.0.1',
    port: 3306,
    user,
    password,
    database,
    ...(localAddress ? { stream: () => connect({ host: '127.0.0.1', port: 3306, localAddress }) } : {}),
  });

describe('databases on MariaDB', () => {
  it('creates a database and its user; the user connects over TCP with the generated password', async () => {
    const name = uniqueName('shop');
    const username = uniqueName('u');
    const created = await create({ engine: 'mariadb', name, username, hosts: ['127.0.0.1'] });
    expect(created).toMatchObject({ engine: 'mariadb', name, charset: 'utf8mb4' });
    expect(created.password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(created.users).toEqual([expect.objectContaining({ username, hosts: ['127.0.0.1'], owner: true })]);
    expect(created.connection).toMatchObject({ host: '127.0.0.1', port: 3306, database: name, username });

    const connection = await mariaTcp(username, created.password, name);
    try {
      await connection.query('CREATE TABLE t (id INT PRIMARY KEY, label VARCHAR(20))');
      await connection.query("INSERT INTO t VALUES (1, 'ديوان')");
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT label FROM t');
      expect(rows).toEqual([{ label: 'ديوان' }]);
    } finally {
      await connection.end();
    }

    const detail = (await api('GET', `/databases/${created.id}`, undefined, reader)).json();
    expect(detail.live).toMatchObject({ tables: 1 });
    expect(detail.password).toBeUndefined();
    const listed = (await api('GET', '/databases?engine=mariadb', undefined, reader)).json();
    expect(listed.databases).toContainEqual(expect.objectContaining({ id: created.id, name }));

    // Reveal: admin only, audited; the password itself is in no log and no audit row.
    const userId = created.users[0].id;
    expect(
      (await api('POST', `/databases/${created.id}/users/${userId}/reveal-password`, {}, reader)).statusCode,
    ).toBe(403);
    const revealed = await api('POST', `/databases/${created.id}/users/${userId}/reveal-password`, {});
    expect(revealed.json()).toEqual({ username, password: created.password });
    const audit = await testApp.services.audit.list({ action: 'database.', limit: 50 });
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['database.create', 'database.password.reveal']),
    );
    expect(JSON.stringify(audit)).not.toContain(created.password);
    expect(testApp.logs.text).not.toContain(created.password);
    const stored = await testApp.panelDb.db.selectFrom('database_users').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(created.password);
  });

  it('honours the hosts: a user allowed from 127.0.0.2 only is refused from 127.0.0.1', async () => {
    const name = uniqueName('acl');
    const username = uniqueName('u');
    const password = 'Only-from-two-2';
    await create({ engine: 'mariadb', name, username, password, hosts: ['127.0.0.2'] });
    await expect(mariaTcp(username, password, name)).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
    });
    const allowed = await mariaTcp(username, password, name, '127.0.0.2');
    await allowed.query('SELECT 1');
    await allowed.end();
    await expect(mariaTcp(username, 'Wrong-password-2', name, '127.0.0.2')).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
    });
  });

  it('changes a password: the old one stops working, the new one works', async () => {
    const name = uniqueName('pw');
    const username = uniqueName('u');
    const created = await create({
      engine: 'mariadb',
      name,
      username,
      password: 'First-password-1',
      hosts: ['127.0.0.1'],
    });
    const changed = await api('PATCH', `/databases/${created.id}/users/${created.users[0].id}`, {
      generate: true,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const password = changed.json().password as string;
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    await expect(mariaTcp(username, 'First-password-1', name)).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
    });
    await (await mariaTcp(username, password, name)).end();
    const revealed = await api(
      'POST',
      `/databases/${created.id}/users/${created.users[0].id}/reveal-password`,
      {},
    );
    expect(revealed.json().password).toBe(password);
  });

  it('moves a user to other hosts: each new account has the password and the grants, the old ones go', async () => {
    const first = await create({
      engine: 'mariadb',
      name: uniqueName('mv'),
      username: uniqueName('u'),
      password: 'Moving-house-22',
      hosts: ['127.0.0.2'],
    });
    const second = await create({
      engine: 'mariadb',
      name: uniqueName('mv'),
      username: uniqueName('u'),
      hosts: ['localhost'],
    });
    const { username, id: userId } = first.users[0];
    expect((await api('PUT', `/databases/${second.id}/grants/${userId}`)).statusCode).toBe(200);
    const others = (await api('GET', '/databases/users?engine=mariadb', undefined, reader)).json().users;
    expect(others).toContainEqual({
      id: userId,
      username,
      hosts: ['127.0.0.2'],
      databases: [first.name, second.name].sort(),
    });

    const moved = await api('PATCH', `/databases/${first.id}/users/${userId}`, {
      hosts: ['127.0.0.1', 'localhost'],
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ hosts: ['127.0.0.1', 'localhost'] });
    const state = await serverState();
    expect(state.mariadb.users.filter((account) => account.startsWith(`${username}@`))).toEqual([
      `${username}@127.0.0.1`,
      `${username}@localhost`,
    ]);
    for (const name of [first.name, second.name]) {
      expect(state.mariadb.grants).toContain(`${username}@127.0.0.1 on ${name}`);
      const connection = await mariaTcp(username, 'Moving-house-22', name);
      await connection.query('SELECT 1');
      await connection.end();
    }
    await expect(mariaTcp(username, 'Moving-house-22', first.name, '127.0.0.2')).rejects.toMatchObject({
      code: 'ER_ACCESS_DENIED_ERROR',
    });
    expect((await api('GET', `/databases/${first.id}/users`)).json().users[0].hosts).toEqual([
      '127.0.0.1',
      'localhost',
    ]);
  });

  it('refuses hostile or repeated hosts, and hosts for PostgreSQL, changing nothing', async () => {
    const maria = await create({
      engine: 'mariadb',
      name: uniqueName('hh'),
      username: uniqueName('u'),
      hosts: ['localhost'],
    });
    const postgres = await create({
      engine: 'postgresql',
      name: uniqueName('hh'),
      username: uniqueName('r'),
    });
    const before = await serverState();
    const userUrl = (db: { id: string; users: [{ id: string }] }) =>
      `/databases/${db.id}/users/${db.users[0].id}`;
    const attempts: [string, unknown, string][] = [
      ...hostile.database_host.values.map((host): [string, unknown, string] => [
        userUrl(maria),
        [host],
        'hosts.0',
      ]),
      [userUrl(maria), ['localhost', '127.0.0.1', 'localhost'], 'hosts'],
      [userUrl(maria), [], 'hosts'],
      [userUrl(maria), 'localhost', 'hosts'],
      [userUrl(postgres), ['127.0.0.1'], 'hosts'],
    ];
    for (const [url, hosts, field] of attempts) {
      const response = await api('PATCH', url, { hosts });
      const shown = JSON.stringify(hosts).slice(0, 120);
      expect(response.statusCode, `${shown} → ${response.body}`).toBe(400);
      expect(response.json().error, shown).toMatchObject({ code: 'DIWAN_E_VALIDATION', field });
    }
    expect(await serverState()).toEqual(before);
    expect((await api('GET', `/databases/${maria.id}/users`)).json().users[0].hosts).toEqual(['localhost']);
  });

  it('deletes a database with its own user and grants, and nothing else', async () => {
    const keep = await create({
      engine: 'mariadb',
      name: uniqueName('keep'),
      username: uniqueName('u'),
      hosts: ['localhost'],
    });
    const gone = await create({
      engine: 'mariadb',
      name: uniqueName('gone'),
      username: uniqueName('u'),
      hosts: ['localhost'],
    });
    const extra = await api('POST', `/databases/${gone.id}/users`, {
      username: uniqueName('ro'),
      hosts: ['127.0.0.1', '%'],
    });
    expect(extra.statusCode, extra.body).toBe(201);
    // The owner of `keep` is also granted on `gone`: it must survive the delete, with only `keep`.
    const shared = keep.users[0];
    expect((await api('PUT', `/databases/${gone.id}/grants/${shared.id}`)).statusCode).toBe(200);
    const before = await serverState();
    expect(before.mariadb.grants).toContain(`${shared.username}@localhost on ${gone.name}`);

    const wrong = await api('DELETE', `/databases/${gone.id}?confirm=${keep.name}`);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.field).toBe('confirm');
    const deleted = await api('DELETE', `/databases/${gone.id}?confirm=${gone.name}`);
    expect(deleted.statusCode, deleted.body).toBe(200);

    const after = await serverState();
    const goneAccounts = [
      `${gone.users[0].username}@localhost`,
      `${extra.json().username}@127.0.0.1`,
      `${extra.json().username}@%`,
    ];
    expect(after.mariadb.databases).toEqual(before.mariadb.databases.filter((db) => db !== gone.name));
    expect(after.mariadb.users).toEqual(before.mariadb.users.filter((user) => !goneAccounts.includes(user)));
    expect(after.mariadb.grants).toEqual(
      before.mariadb.grants.filter((grant) => !grant.endsWith(` on ${gone.name}`)),
    );
    expect(after.postgresql).toEqual(before.postgresql);
    expect((await api('GET', `/databases/${gone.id}`)).statusCode).toBe(404);
    const keptUsers = (await api('GET', `/databases/${keep.id}/users`)).json().users;
    expect(keptUsers).toEqual([expect.objectContaining({ id: shared.id, owner: true })]);
    const records = await testApp.panelDb.db.selectFrom('database_grants').selectAll().execute();
    expect(records.filter((row) => row.database_id === gone.id)).toEqual([]);
  });
});

describe('databases on PostgreSQL', () => {
  it('creates a database owned by its role; the role connects over TCP and creates a table', async () => {
    const name = uniqueName('app');
    const username = uniqueName('r');
    const created = await create({ engine: 'postgresql', name, username });
    expect(created).toMatchObject({ engine: 'postgresql', name });
    expect(created.connection).toMatchObject({ port: 5432, database: name, username });
    const client = await postgresTcp(username, created.password, name);
    try {
      await client.query('CREATE TABLE t (id int PRIMARY KEY, label text)');
      await client.query("INSERT INTO t VALUES (1, 'ديوان')");
      expect((await client.query('SELECT label FROM t')).rows).toEqual([{ label: 'ديوان' }]);
    } finally {
      await client.end();
    }
    expect((await api('GET', `/databases/${created.id}`)).json().live).toMatchObject({ tables: 1 });
    // Other roles are kept out of it.
    const other = await create({
      engine: 'postgresql',
      name: uniqueName('other'),
      username: uniqueName('r'),
    });
    await expect(postgresTcp(other.users[0].username, other.password, name)).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('refuses hosts for a PostgreSQL role and deletes database and role together', async () => {
    const refused = await api('POST', '/databases', {
      engine: 'postgresql',
      name: uniqueName('h'),
      username: uniqueName('r'),
      hosts: ['%'],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.field).toBe('hosts');
    const created = await create({
      engine: 'postgresql',
      name: uniqueName('del'),
      username: uniqueName('r'),
    });
    const before = await serverState();
    expect((await api('DELETE', `/databases/${created.id}?confirm=${created.name}`)).statusCode).toBe(200);
    const after = await serverState();
    expect(after.postgresql.databases).toEqual(
      before.postgresql.databases.filter((db) => db !== created.name),
    );
    expect(after.postgresql.roles).toEqual(
      before.postgresql.roles.filter((role) => role !== created.users[0].username),
    );
    expect(after.mariadb).toEqual(before.mariadb);
  });
});

describe('hostile names and passwords', () => {
  /** Refused as names (reserved, too long, wrong case or start), harmless as passwords. */
  const notNames = ['x'.repeat(65), 'Mysql', 'root', 'information_schema', 'template1', 'pg_shop', '1abc'];
  const values = [
    ...hostile.sql.values,
    ...hostile.shell.values,
    ...hostile.argument.values,
    ...hostile.control.values,
    ...hostile.unicode.values,
    'a\n',
    ...notNames,
  ];

  /** Fine inside a password, which meets neither a shell nor SQL text: only refused as names. */
  const harmlessInPasswords = new Set(['a%b', '!!', '~root', '*', '?', ...notNames]);
  it('answers 400 naming the field, and creates nothing on either server or in the panel', async () => {
    // Other test files, and other checkouts' runs on this machine, make and drop databases and users
    // meanwhile: look only at what this file could have made (its prefix) and at every name tried.
    const before = await serverState();
    const records = (await testApp.panelDb.db.selectFrom('databases').selectAll().execute()).length;
    const attempts: { body: Record<string, unknown>; field: string }[] = [];
    for (const engine of ['mariadb', 'postgresql']) {
      const valid = {
        engine,
        name: uniqueName('h'),
        username: uniqueName('h'),
        password: 'Valid-password-1',
      };
      for (const value of values) {
        attempts.push({ body: { ...valid, name: value }, field: 'name' });
        attempts.push({ body: { ...valid, username: value }, field: 'username' });
        // Passwords: the hostile text inside an otherwise acceptable password.
        if (!harmlessInPasswords.has(value))
          attempts.push({ body: { ...valid, password: `Valid-pass-${value}` }, field: 'password' });
      }
      for (const password of hostilePasswords) {
        attempts.push({ body: { ...valid, password }, field: 'password' });
      }
      attempts.push({ body: { ...valid, name: 'x'.repeat(engine === 'mariadb' ? 65 : 64) }, field: 'name' });
      attempts.push({
        body: { ...valid, username: 'u'.repeat(engine === 'mariadb' ? 33 : 64) },
        field: 'username',
      });
    }
    const mariaValid = { engine: 'mariadb', name: uniqueName('h'), username: uniqueName('h') };
    for (const host of hostile.database_host.values) {
      attempts.push({ body: { ...mariaValid, hosts: [host] }, field: 'hosts.0' });
    }
    attempts.push({ body: { ...mariaValid, charset: 'utf8mb4; DROP' }, field: 'charset' });
    attempts.push({ body: { ...mariaValid, collation: "utf8mb4_bin'" }, field: 'collation' });

    const tried = attempts.flatMap(({ body }) =>
      [body.name, body.username].filter((value): value is string => typeof value === 'string'),
    );
    const named = await namedState(tried);
    for (const { body, field } of attempts) {
      const response = await api('POST', '/databases', body);
      const shown = JSON.stringify(body).slice(0, 160);
      expect(response.statusCode, `${shown} → ${response.body}`).toBe(400);
      expect(response.json().error, shown).toMatchObject({ code: 'DIWAN_E_VALIDATION', field });
    }
    expect(await serverState()).toEqual(before);
    // Reserved names (root, template1 …) exist already: nothing new may have joined them.
    expect(await namedState(tried)).toEqual(named);
    expect((await testApp.panelDb.db.selectFrom('databases').selectAll().execute()).length).toBe(records);
  });
});
