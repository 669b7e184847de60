import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../../src/contract/tasks.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';
import { dropLeftovers, mariaAdmin, postgresAdmin, uniqueName } from './servers.js';

// Export then import through the API, against the real servers: the data that comes back is the
// data that went out, table by table (checksums), through an upload and through a server path.

let testApp: TestApp;
let admin: Record<string, string>;
const scratch = mkdtempSync('/tmp/dwtest-dumps-');
beforeAll(async () => {
  testApp = await buildTestApp();
  admin = await tokenHeaders(testApp, 'admin');
});
afterAll(async () => {
  await testApp?.close();
  await dropLeftovers();
  rmSync(scratch, { recursive: true, force: true });
});

const inject = (method: 'GET' | 'POST', url: string, extra: Record<string, unknown> = {}) =>
  testApp.app.inject({ method, url: `/api/v1${url}`, headers: admin, ...extra });

async function createDatabase(engine: 'mariadb' | 'postgresql') {
  const response = await inject('POST', '/databases', {
    payload: { engine, name: uniqueName('dump'), username: uniqueName('u') },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; name: string };
}

async function finished(task: TaskView): Promise<{ task: TaskView; log: string[] }> {
  for (let i = 0; i < 600; i++) {
    const body = (await inject('GET', `/tasks/${task.id}?limit=5000`)).json();
    if (!['queued', 'running'].includes(body.task.state))
      return { task: body.task, log: body.log.map((line: { line: string }) => line.line) };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`task ${task.id} did not finish`);
}

async function runTask(url: string, payload?: object) {
  const response = await inject('POST', url, payload ? { payload } : {});
  expect(response.statusCode, response.body).toBe(202);
  const done = await finished(response.json());
  expect(done.task.state, done.log.join('\n')).toBe('succeeded');
  return done;
}

/** Tables with text in several scripts, binary data, NULLs, decimals and dates, and a foreign key. */
const fill = {
  async mariadb(name: string) {
    const db = await mariaAdmin();
    try {
      await db.query(`USE ??`, [name]);
      await db.query(
        'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(100), price DECIMAL(10,2), data BLOB, at DATETIME, note TEXT NULL) DEFAULT CHARSET=utf8mb4',
      );
      await db.query(
        'CREATE TABLE tags (id INT PRIMARY KEY, item_id INT, FOREIGN KEY (item_id) REFERENCES items(id))',
      );
      const rows = Array.from({ length: 3000 }, (_, i) => [
        `item ${i} ديوان 😀 "q" 'a' \\ ;--`,
        (i * 1.25).toFixed(2),
        Buffer.from([i % 256, 0, 255, 10, 13, 39]),
        new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        i % 7 === 0 ? null : `note\n${i}`,
      ]);
      await db.query('INSERT INTO items (label, price, data, at, note) VALUES ?', [rows]);
      await db.query('INSERT INTO tags SELECT id, id FROM items WHERE id % 3 = 0');
    } finally {
      await db.end();
    }
  },
  async postgresql(name: string) {
    const db = await postgresAdmin(name);
    try {
      // Made as the database's owner, as the owner's application would.
      const owner = (
        await db.query(
          'SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = current_database()',
        )
      ).rows[0].o;
      await db.query(`SET ROLE ${db.escapeIdentifier(owner)}`);
      await db.query(
        'CREATE TABLE items (id serial PRIMARY KEY, label text, price numeric(10,2), data bytea, at timestamptz, note text)',
      );
      await db.query('CREATE TABLE tags (id int PRIMARY KEY, item_id int REFERENCES items(id))');
      await db.query(
        `INSERT INTO items (label, price, data, at, note)
         SELECT 'item ' || i || ' ديوان 😀 "q" ''a'' \\ ;--', i * 1.25, decode(lpad(to_hex(i % 256), 2, '0') || '00ff0a0d27', 'hex'),
                timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', CASE WHEN i % 7 = 0 THEN NULL ELSE 'note' || chr(10) || i END
           FROM generate_series(0, 2999) AS i`,
      );
      await db.query('INSERT INTO tags SELECT id, id FROM items WHERE id % 3 = 0');
    } finally {
      await db.end();
    }
  },
};

const checksums = {
  async mariadb(name: string) {
    const db = await mariaAdmin();
    try {
      const [rows] = await db.query<mysql.RowDataPacket[]>('CHECKSUM TABLE ??.items, ??.tags EXTENDED', [
        name,
        name,
      ]);
      const [counts] = await db.query<mysql.RowDataPacket[]>(
        'SELECT (SELECT COUNT(*) FROM ??.items) AS items, (SELECT COUNT(*) FROM ??.tags) AS tags',
        [name, name],
      );
      return {
        sums: rows.map((row) => [String(row.Table).split('.')[1], String(row.Checksum)]),
        counts: counts[0],
      };
    } finally {
      await db.end();
    }
  },
  async postgresql(name: string) {
    const db = await postgresAdmin(name);
    try {
      const sums: [string, string][] = [];
      for (const table of ['items', 'tags']) {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM ${table} t`,
        );
        sums.push([table, `${rows[0].n}:${rows[0].sum}`]);
      }
      return { sums };
    } finally {
      await db.end();
    }
  },
};

describe.each(['mariadb', 'postgresql'] as const)('export and import on %s', (engine) => {
  it('exports to a download, imports the upload into a new database: every table checksums the same', async () => {
    const source = await createDatabase(engine);
    await fill[engine](source.name);
    const expected = await checksums[engine](source.name);

    const exported = await runTask(`/databases/${source.id}/export`);
    expect(exported.log.join('\n')).toMatch(
      /Wrote .*\.sql\.gz: [\d.]+ MB gzipped \([\d.]+ MB of SQL\) in [\d.]+ s/,
    );
    const { file, download } = exported.task.result as { file: string; download: string };
    expect((await inject('GET', `/databases/${source.id}/exports`)).json().exports).toEqual([
      expect.objectContaining({ file }),
    ]);
    const downloaded = await testApp.app.inject({ url: download, headers: admin });
    expect(downloaded.statusCode).toBe(200);
    expect(downloaded.headers['content-type']).toBe('application/gzip');
    expect(downloaded.headers['content-disposition']).toBe(
      `attachment; filename="${source.name}-${file.slice(37, -7)}.sql.gz"`,
    );
    expect(gunzipSync(downloaded.rawPayload).toString()).toContain('CREATE TABLE');

    const upload = await inject('POST', '/databases/uploads', {
      payload: downloaded.rawPayload,
      headers: { ...admin, 'content-type': 'application/gzip' },
    });
    expect(upload.statusCode, upload.body).toBe(201);
    expect(upload.json()).toMatchObject({ sizeBytes: downloaded.rawPayload.length, compressed: true });

    const target = await createDatabase(engine);
    const imported = await runTask(`/databases/${target.id}/import`, { upload: upload.json().id });
    expect(imported.log.join('\n')).toMatch(/Imported [\d.]+ MB of SQL \([\d.]+ MB read\) in [\d.]+ s/);
    expect(await checksums[engine](target.name)).toEqual(expected);
    // The upload was read once and is gone.
    const again = await inject('POST', `/databases/${target.id}/import`, {
      payload: { upload: upload.json().id },
    });
    expect(again.statusCode).toBe(400);

    // The same dump, unzipped, from a path on the server.
    const plain = join(scratch, `${engine}.sql`);
    writeFileSync(plain, gunzipSync(downloaded.rawPayload));
    const third = await createDatabase(engine);
    await runTask(`/databases/${third.id}/import`, { path: plain });
    expect(await checksums[engine](third.name)).toEqual(expected);
  });
});

describe('what a dump may do', () => {
  it('cannot become the PostgreSQL superuser: the import runs as a member of the owner only', async () => {
    const database = await createDatabase('postgresql');
    const hostileDump = Buffer.from(
      'CREATE TABLE mine (i int);\nSET ROLE postgres;\nCREATE TABLE escalated (i int);\n',
    );
    const upload = await inject('POST', '/databases/uploads', {
      payload: hostileDump,
      headers: { ...admin, 'content-type': 'application/sql' },
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const response = await inject('POST', `/databases/${database.id}/import`, {
      payload: { upload: upload.json().id },
    });
    const done = await finished(response.json());
    expect(done.task.state).toBe('failed');
    expect(done.log.join('\n')).toMatch(/permission denied to set role "postgres"/);
    const db = await postgresAdmin(database.name);
    try {
      const tables = await db.query(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'",
      );
      // What ran before the refusal belongs to the owner, not to the superuser or the helper.
      expect(tables.rows).toEqual([{ tablename: 'mine', tableowner: expect.stringMatching(/_u\d+$/) }]);
      const helpers = await db.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'diwan_import_%'");
      expect(helpers.rows).toEqual([]);
    } finally {
      await db.end();
    }
  });
});

describe('uploads', () => {
  it('takes only a raw body: JSON is 415 and an empty body 400, and nothing is kept', async () => {
    const json = await inject('POST', '/databases/uploads', { payload: { sql: 'DROP DATABASE x' } });
    expect(json.statusCode).toBe(415);
    const empty = await inject('POST', '/databases/uploads', {
      payload: Buffer.alloc(0),
      headers: { ...admin, 'content-type': 'application/octet-stream' },
    });
    expect(empty.statusCode).toBe(400);
    expect(readdirSync(join(testApp.config.dataDir, 'database-imports'))).toEqual([]);
  });
});

describe('import paths', () => {
  it('refuses paths outside the allowed places, with dots, or of other types, before any task', async () => {
    const database = await createDatabase('mariadb');
    const before = (await testApp.tasks.list({ limit: 500 })).length;
    for (const path of [
      '/etc/passwd',
      '/etc/shadow.sql',
      '/tmp/../etc/x.sql',
      '/tmp/./x.sql',
      '/tmp//x.sql',
      'tmp/x.sql',
      '/tmp/x.txt',
      '/tmp/x.sql\n',
      '/tmp/$(id).sql',
      '/root/-x.sql.gz ',
    ]) {
      const response = await inject('POST', `/databases/${database.id}/import`, { payload: { path } });
      expect(response.statusCode, path).toBe(400);
      expect(response.json().error.field, path).toBe('path');
    }
    expect((await inject('POST', `/databases/${database.id}/import`, { payload: {} })).statusCode).toBe(400);
    expect((await testApp.tasks.list({ limit: 500 })).length).toBe(before);
  });

  it('does not follow a symlink to a file it would not read', async () => {
    const database = await createDatabase('mariadb');
    const link = join(scratch, 'shadow.sql');
    symlinkSync('/etc/shadow', link);
    const response = await inject('POST', `/databases/${database.id}/import`, { payload: { path: link } });
    expect(response.statusCode).toBe(202);
    const done = await finished(response.json());
    expect(done.task.state).toBe('failed');
    expect(done.task.error).toMatch(/symlink/);
    expect(done.log.join('\n')).not.toMatch(/root:/);
  });
});
