import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';
import { dropLeftovers, postgresAdmin, postgresTcp, uniqueName } from './servers.js';

// Remote access for a PostgreSQL role through the API, against the machine's own pg_hba.conf. The
// server listens on 127.0.0.1 only; a client that leaves from 127.0.0.2 is "remote" for pg_hba
// (the machine's loopback trust rule is for 127.0.0.1/32), so it gets in only through our rule,
// and only with the role's password (scram-sha-256).

let testApp: TestApp;
let admin: Record<string, string>;
let hbaFile: string;
let original: Buffer;
beforeAll(async () => {
  testApp = await buildTestApp();
  admin = await tokenHeaders(testApp, 'admin');
  const client = await postgresAdmin();
  hbaFile = String((await client.query('SHOW hba_file')).rows[0].hba_file);
  await client.end();
  original = readFileSync(hbaFile);
});
afterAll(async () => {
  // Whatever happened, the machine's file is left as it was found.
  if (hbaFile && !readFileSync(hbaFile).equals(original)) {
    writeFileSync(hbaFile, original);
    const client = await postgresAdmin();
    await client.query('SELECT pg_reload_conf()');
    await client.end();
  }
  await testApp?.close();
  await dropLeftovers();
});

const connectFrom127002 = async (user: string, password: string, database: string) =>
  (await postgresTcp(user, password, database, '127.0.0.2')).end();

describe('PostgreSQL remote access', () => {
  it('adds managed lines to pg_hba.conf and removes them, leaving the rest of the file byte-identical', async () => {
    const name = uniqueName('remote');
    const username = uniqueName('r');
    const password = 'Remote-password-7';
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/databases',
      headers: admin,
      payload: { engine: 'postgresql', name, username, password },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { id, users } = response.json();
    const patch = (payload: object) =>
      testApp.app.inject({
        method: 'PATCH',
        url: `/api/v1/databases/${id}/users/${users[0].id}`,
        headers: admin,
        payload,
      });

    await expect(connectFrom127002(username, password, name)).rejects.toThrow(/no pg_hba.conf entry/);

    const on = await patch({ remoteAccess: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json().remoteAccess).toBe(true);
    const withRule = readFileSync(hbaFile);
    expect(withRule.subarray(0, original.length).equals(original)).toBe(true);
    expect(withRule.subarray(original.length).toString()).toContain(
      `"${username}"    0.0.0.0/0    scram-sha-256`,
    );
    await connectFrom127002(username, password, name);
    await expect(connectFrom127002(username, 'Wrong-password-7', name)).rejects.toThrow(
      /password authentication failed/,
    );

    const off = await patch({ remoteAccess: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(readFileSync(hbaFile).equals(original)).toBe(true);
    await expect(connectFrom127002(username, password, name)).rejects.toThrow(/no pg_hba.conf entry/);

    // Deleting the database drops the role and, with it, its lines.
    expect((await patch({ remoteAccess: true })).statusCode).toBe(200);
    const deleted = await testApp.app.inject({
      method: 'DELETE',
      url: `/api/v1/databases/${id}?confirm=${name}`,
      headers: admin,
    });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(readFileSync(hbaFile).equals(original)).toBe(true);
  });

  it('refuses remote access for a MariaDB user (hosts say that there)', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/databases',
      headers: admin,
      payload: { engine: 'mariadb', name: uniqueName('m'), username: uniqueName('u') },
    });
    const { id, users } = response.json();
    const patch = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/databases/${id}/users/${users[0].id}`,
      headers: admin,
      payload: { remoteAccess: true },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.field).toBe('remoteAccess');
    expect(readFileSync(hbaFile).equals(original)).toBe(true);
  });
});
