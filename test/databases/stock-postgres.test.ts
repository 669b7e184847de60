import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupOsUser } from '../../src/agent/system/os-users.js';
import type { TaskView } from '../../src/contract/tasks.js';
import { exportDirOf } from '../../src/server/features/databases/files.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';
import { freePort } from '../support/cli.js';
import { uniqueName } from './servers.js';

/**
 * PostgreSQL as stock Debian sets it up: the superuser gets in over the socket by `peer`
 * authentication only, and TCP asks for a password. This machine's own cluster trusts local
 * connections, so a private cluster (initdb's defaults, Debian's pg_hba) runs for this file, on its
 * own socket directory and port; the host's PostgreSQL and its files are not touched.
 */
const newest = readdirSync('/usr/lib/postgresql')
  .sort((a, b) => Number(a) - Number(b))
  .at(-1)!;
const bin = join('/usr/lib/postgresql', newest, 'bin');
const dir = mkdtempSync('/tmp/dwtest-pg-');
const data = join(dir, 'data');
const sockets = join(dir, 'run');
let port = 0;
let testApp: TestApp;
let admin: Record<string, string>;

const asPostgres = (program: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], {
    cwd: '/',
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
/** What the server holds, asked with psql as the postgres OS user (not with the code under test). */
const psql = (sql: string, database = 'postgres') =>
  asPostgres('psql', ['-h', sockets, '-p', String(port), '-d', database, '-Atc', sql]).trim();

beforeAll(async () => {
  const postgres = (await lookupOsUser('postgres'))!;
  mkdirSync(sockets);
  chownSync(dir, postgres.uid, postgres.gid);
  chownSync(sockets, postgres.uid, postgres.gid);
  port = await freePort();
  asPostgres('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--auth-local=peer',
    '--auth-host=scram-sha-256',
    '--no-sync',
  ]);
  asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-k ${sockets} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  testApp = await buildTestApp({}, { agent: { postgres: { socketDir: sockets, port, user: 'postgres' } } });
  admin = await tokenHeaders(testApp, 'admin');
}, 60_000);

afterAll(async () => {
  await testApp?.close();
  try {
    asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
  testApp.app.inject({ method, url: `/api/v1${url}`, headers: admin, ...(payload ? { payload } : {}) });

async function finished(id: string): Promise<{ task: TaskView; log: string }> {
  for (let i = 0; i < 300; i++) {
    const body = (await api('GET', `/tasks/${id}?limit=5000`)).json();
    if (!['queued', 'running'].includes(body.task.state))
      return { task: body.task, log: body.log.map((line: { line: string }) => line.line).join('\n') };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`task ${id} did not finish`);
}

describe('PostgreSQL as stock Debian sets it up (peer for the superuser, passwords over TCP)', () => {
  it('refuses root as postgres over the socket: the situation the agent must handle', async () => {
    const client = new pg.Client({ host: sockets, port, user: 'postgres', database: 'postgres' });
    await expect(client.connect()).rejects.toThrow(/peer authentication failed/i);
    await client.end().catch(() => undefined);
  });

  it('creates, lists, exports, imports and deletes through the API, the agent running as root', async () => {
    const username = uniqueName('u');
    const created = await api('POST', '/databases', {
      engine: 'postgresql',
      name: uniqueName('peer'),
      username,
    });
    expect(created.statusCode, created.body).toBe(201);
    const source = created.json() as { id: string; name: string; password: string };
    expect(psql(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${source.name}'`)).toBe(
      username,
    );

    // The new role logs in over TCP with its password (scram-sha-256, as pg_hba asks).
    const owner = new pg.Client({
      host: '127.0.0.1',
      port,
      user: username,
      password: source.password,
      database: source.name,
    });
    await owner.connect();
    await owner.query(
      "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'سلام')",
    );
    await owner.end();

    const listed = (await api('GET', '/databases?engine=postgresql')).json() as {
      databases: { name: string; live: { sizeBytes: number } | null }[];
    };
    expect(listed.databases.find((row) => row.name === source.name)?.live?.sizeBytes).toBeGreaterThan(0);

    const exported = await api('POST', `/databases/${source.id}/export`);
    expect(exported.statusCode, exported.body).toBe(202);
    const dump = await finished(exported.json().id);
    expect(dump.task.state, dump.log).toBe('succeeded');
    const { file } = dump.task.result as { file: string };

    const target = (
      await api('POST', '/databases', {
        engine: 'postgresql',
        name: uniqueName('peer'),
        username: uniqueName('u'),
      })
    ).json() as { id: string; name: string };
    const path = join(dir, 'dump.sql.gz');
    copyFileSync(join(exportDirOf(testApp.config.dataDir), file), path);
    const imported = await api('POST', `/databases/${target.id}/import`, { path });
    expect(imported.statusCode, imported.body).toBe(202);
    const load = await finished(imported.json().id);
    expect(load.task.state, load.log).toBe('succeeded');
    expect(psql('SELECT id, body FROM notes', target.name)).toBe('1|سلام');

    for (const database of [source, target]) {
      const deleted = await api('DELETE', `/databases/${database.id}?confirm=${database.name}`);
      expect(deleted.statusCode, deleted.body).toBe(200);
    }
    expect(
      psql(`SELECT count(*) FROM pg_database WHERE datname IN ('${source.name}', '${target.name}')`),
    ).toBe('0');
    expect(psql(`SELECT count(*) FROM pg_roles WHERE rolname = '${username}'`)).toBe('0');
  });
});
