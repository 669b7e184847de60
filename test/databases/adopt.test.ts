import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hostile from '../fixtures/hostile-inputs.json' with { type: 'json' };
import { serverAddressOf } from '../../src/server/db/url.js';
import { createDatabaseService, panelDatabaseOf } from '../../src/server/features/databases/service.js';
import { createDatabaseStore } from '../../src/server/features/databases/store.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';
import { dropLeftovers, mariaAdmin, postgresAdmin, runPrefix, serverState, uniqueName } from './servers.js';

// Databases made outside Diwan, found on the real servers and taken into its list. No skip: the
// servers must be there.

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

const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers = admin) =>
  testApp.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

type Unmanaged = { name: string; adoptable: boolean; reason: string | null; sizeBytes: number };
const unmanaged = async (engine: string): Promise<Unmanaged[]> => {
  const response = await api('GET', `/databases/unmanaged?engine=${engine}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().databases;
};

describe('databases made outside Diwan', () => {
  it('MariaDB: lists them, takes one in (its hand-made user untouched), and refuses what it cannot take', async () => {
    const handMade = uniqueName('legacy');
    const oddName = `${runPrefix}_Legacy-Shop`;
    const handUser = uniqueName('lu');
    const maria = await mariaAdmin();
    try {
      await maria.query('CREATE DATABASE ??', [handMade]);
      await maria.query('CREATE TABLE ??.t (id INT PRIMARY KEY)', [handMade]);
      await maria.query('CREATE DATABASE ??', [oddName]);
      await maria.query("CREATE USER ??@'localhost' IDENTIFIED BY 'Hand-made-pass-1'", [handUser]);
      await maria.query("GRANT ALL ON ??.* TO ??@'localhost'", [handMade, handUser]);
    } finally {
      await maria.end();
    }
    const managed = uniqueName('managed');
    expect(
      (await api('POST', '/databases', { engine: 'mariadb', name: managed, username: uniqueName('u') }))
        .statusCode,
    ).toBe(201);

    const found = await unmanaged('mariadb');
    expect(found.find((db) => db.name === handMade)).toMatchObject({ adoptable: true, reason: null });
    expect(found.find((db) => db.name === oddName)).toMatchObject({
      adoptable: false,
      reason: expect.stringContaining('lowercase'),
    });
    expect(found.map((db) => db.name)).not.toContain(managed);
    expect(found.map((db) => db.name)).not.toContain('mysql');

    expect(
      (await api('POST', '/databases/adopt', { engine: 'mariadb', name: handMade }, reader)).statusCode,
    ).toBe(403);
    const adopted = await api('POST', '/databases/adopt', { engine: 'mariadb', name: handMade });
    expect(adopted.statusCode, adopted.body).toBe(201);
    expect(adopted.json()).toMatchObject({
      name: handMade,
      engine: 'mariadb',
      users: [],
      live: { tables: 1 },
    });
    expect((await unmanaged('mariadb')).map((db) => db.name)).not.toContain(handMade);
    const listed = (await api('GET', '/databases?engine=mariadb')).json().databases as { name: string }[];
    expect(listed.map((db) => db.name)).toContain(handMade);
    expect((await api('POST', '/databases/adopt', { engine: 'mariadb', name: handMade })).statusCode).toBe(
      409,
    );
    const missing = await api('POST', '/databases/adopt', { engine: 'mariadb', name: uniqueName('nothere') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.field).toBe('name');

    const before = await testApp.panelDb.db.selectFrom('databases').select('name').execute();
    for (const name of [oddName, ...hostile.sql.values, ...hostile.shell.values, 'mysql', '']) {
      const refused = await api('POST', '/databases/adopt', { engine: 'mariadb', name });
      expect(refused.statusCode, name).toBe(400);
      expect(refused.json().error.field, name).toBe('name');
    }
    expect(await testApp.panelDb.db.selectFrom('databases').select('name').execute()).toEqual(before);
    const audit = await testApp.services.audit.list({ action: 'database.adopt', limit: 200 });
    expect(audit.map((entry) => `${entry.action} ${entry.outcome}`)).toContain('database.adopt success');

    // Deleting it through Diwan drops the database; the user Diwan did not make stays.
    const id = adopted.json().id as string;
    expect((await api('DELETE', `/databases/${id}?confirm=${handMade}`)).statusCode).toBe(200);
    const state = await serverState();
    expect(state.mariadb.databases).not.toContain(handMade);
    expect(state.mariadb.users).toContain(`${handUser}@localhost`);
  });

  it("never offers the panel's own database, when it lives on the same server", async () => {
    const panelName = uniqueName('panel');
    const maria = await mariaAdmin();
    try {
      await maria.query('CREATE DATABASE ??', [panelName]);
    } finally {
      await maria.end();
    }
    // As app.ts builds it when DIWAN_DATABASE_URL names a database on this MariaDB.
    const databases = createDatabaseService({
      store: createDatabaseStore(testApp.panelDb.db, () => Date.now()),
      agent: testApp.agent,
      box: testApp.services.box,
      panelDatabase: panelDatabaseOf(
        { dialect: 'mysql', url: `mysql://diwan@localhost/${panelName}` },
        (url) => serverAddressOf(url).database,
      ),
    });
    const token = await tokenHeaders(testApp, 'admin');
    const credential = { token: token.authorization!.replace('Bearer ', '') };
    expect((await databases.unmanaged('mariadb', credential)).map((db) => db.name)).not.toContain(panelName);
    await expect(
      databases.adopt({ engine: 'mariadb', name: panelName }, null, credential),
    ).rejects.toMatchObject({
      code: 'DIWAN_E_CONFLICT',
      field: 'name',
    });
    // Another app, whose panel lives elsewhere, sees it like any other.
    expect((await unmanaged('mariadb')).map((db) => db.name)).toContain(panelName);
  });

  it('PostgreSQL: lists them and takes one in', async () => {
    const handMade = uniqueName('pglegacy');
    const postgres = await postgresAdmin();
    try {
      await postgres.query(`CREATE DATABASE "${handMade}"`);
    } finally {
      await postgres.end();
    }
    expect((await unmanaged('postgresql')).find((db) => db.name === handMade)).toMatchObject({
      adoptable: true,
    });
    expect((await unmanaged('postgresql')).map((db) => db.name)).not.toContain('template1');
    const adopted = await api('POST', '/databases/adopt', { engine: 'postgresql', name: handMade });
    expect(adopted.statusCode, adopted.body).toBe(201);
    expect(adopted.json()).toMatchObject({ name: handMade, engine: 'postgresql', users: [] });
    expect((await api('DELETE', `/databases/${adopted.json().id}?confirm=${handMade}`)).statusCode).toBe(200);
    expect((await serverState()).postgresql.databases).not.toContain(handMade);
  });
});
