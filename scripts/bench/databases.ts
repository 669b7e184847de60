/**
 * Issue 7's budgets, against this machine's MariaDB, through the API (the agent in process):
 *   list    GET /api/v1/databases with 500 databases and their sizes         target ≤ 300 ms
 *           reference: the same information_schema query straight through mysql2
 *   import  a 100 MB dump through Diwan (an import task from a server path)  target ≥ 0.8 × reference
 *           reference: plain `mariadb <db> < dump` in the same run
 * Usage: npx tsx scripts/bench/databases.ts [--databases N] [--megabytes N] [--rounds N]
 * Bounded: every database and user it makes carries a prefix of its own and is dropped at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { buildTestApp, tokenHeaders } from '../../test/support/app.js';
import { median, verdict } from './support.js';

const { values } = parseArgs({
  options: {
    databases: { type: 'string', default: '500' },
    megabytes: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
  },
});
const DATABASES = Number(values.databases);
const MEGABYTES = Number(values.megabytes);
const ROUNDS = Number(values.rounds);
const LIST_TARGET_MS = 300;
const IMPORT_TARGET_RATIO = 0.8;
const prefix = `dwbench${randomBytes(3).toString('hex')}`;
const scratch = mkdtempSync('/tmp/dwbench-');
const admin = await mysql.createConnection({ socketPath: '/run/mysqld/mysqld.sock', user: 'root' });

const testApp = await buildTestApp();
const headers = await tokenHeaders(testApp, 'admin');
const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
  testApp.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function createDatabase(name: string): Promise<string> {
  const response = await api('POST', '/databases', { engine: 'mariadb', name, username: `${name}_u` });
  if (response.statusCode !== 201) throw new Error(`create ${name}: ${response.body}`);
  return response.json().id as string;
}

/** A dump shaped like mariadb-dump's: a table, then extended INSERTs of about 1 MB each. */
async function writeDump(path: string, megabytes: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(
    'CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(64), body TEXT, price DECIMAL(10,2)) DEFAULT CHARSET=utf8mb4;\n',
  );
  let id = 0;
  let written = 0;
  while (written < megabytes * 1024 * 1024) {
    const rows: string[] = [];
    for (let i = 0; i < 2000; i++) {
      id += 1;
      rows.push(`(${id},'item ${id} ديوان','${randomBytes(180).toString('base64')}',${(id % 10000) / 100})`);
    }
    const line = `INSERT INTO items VALUES ${rows.join(',')};\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function importThroughDiwan(id: string, path: string): Promise<void> {
  const started = await api('POST', `/databases/${id}/import`, { path });
  if (started.statusCode !== 202) throw new Error(`import: ${started.body}`);
  const taskId = started.json().id as string;
  for (;;) {
    const task = (await api('GET', `/tasks/${taskId}?limit=1`)).json().task;
    if (task.state === 'succeeded') return;
    if (task.state !== 'queued' && task.state !== 'running')
      throw new Error(`import ${task.state}: ${task.error}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function importPlain(name: string, path: string): Promise<void> {
  const child = spawn('mariadb', ['--one-database', '--', name], { stdio: ['pipe', 'ignore', 'inherit'] });
  createReadStream(path).pipe(child.stdin);
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`mariadb exited with ${code}`);
}

try {
  // 1. The list of 500 databases with their sizes.
  console.log(`creating ${DATABASES} databases through the API …`);
  for (let i = 0; i < DATABASES; i++) await createDatabase(`${prefix}_l${i}`);
  const list: number[] = [];
  const reference: number[] = [];
  for (let round = 0; round < 10; round++) {
    list.push(
      await timed(async () => {
        const response = await api('GET', '/databases?engine=mariadb');
        if (response.json().databases.length < DATABASES) throw new Error('not all databases listed');
      }),
    );
    reference.push(
      await timed(() =>
        admin.query(
          `SELECT s.SCHEMA_NAME, s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME,
                  COALESCE(SUM(t.DATA_LENGTH + t.INDEX_LENGTH), 0), COUNT(t.TABLE_NAME)
             FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
            WHERE s.SCHEMA_NAME LIKE ? GROUP BY 1, 2, 3`,
          [`${prefix}_l%`],
        ),
      ),
    );
  }
  const listMs = median(list);
  const referenceMs = median(reference);
  console.log(
    `list ${DATABASES} databases: ${listMs.toFixed(1)} ms median of 10 (the bare query: ${referenceMs.toFixed(1)} ms, ` +
      `${(listMs / referenceMs).toFixed(2)}×): ${verdict(listMs <= LIST_TARGET_MS)} (≤ ${LIST_TARGET_MS} ms)`,
  );

  // 2. Import of a 100 MB dump, alternating Diwan and the plain client, each into a fresh database.
  const dump = join(scratch, 'dump.sql');
  await writeDump(dump, MEGABYTES);
  const size = statSync(dump).size;
  console.log(`dump: ${(size / 1024 / 1024).toFixed(1)} MB`);
  const diwan: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const plainName = `${prefix}_p${round}`;
    await admin.query('CREATE DATABASE ??', [plainName]);
    plain.push(await timed(() => importPlain(plainName, dump)));
    const id = await createDatabase(`${prefix}_d${round}`);
    diwan.push(await timed(() => importThroughDiwan(id, dump)));
    console.log(
      `round ${round + 1}: mariadb < dump ${(plain.at(-1)! / 1000).toFixed(1)} s, Diwan ${(diwan.at(-1)! / 1000).toFixed(1)} s`,
    );
  }
  const speed = (ms: number) => size / 1024 / 1024 / (ms / 1000);
  const ratio = speed(median(diwan)) / speed(median(plain));
  console.log(
    `import ${(size / 1024 / 1024).toFixed(0)} MB: Diwan ${speed(median(diwan)).toFixed(1)} MB/s, ` +
      `mariadb < dump ${speed(median(plain)).toFixed(1)} MB/s (medians of ${ROUNDS}): ratio ${ratio.toFixed(2)}, ` +
      `${verdict(ratio >= IMPORT_TARGET_RATIO)} (≥ ${IMPORT_TARGET_RATIO})`,
  );
} finally {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?',
    [`${prefix}%`],
  );
  for (const row of rows) await admin.query('DROP DATABASE IF EXISTS ??', [row.n]);
  const [users] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT User, Host FROM mysql.user WHERE User LIKE ?',
    [`${prefix}%`],
  );
  for (const user of users) await admin.query('DROP USER IF EXISTS ?@?', [user.User, user.Host]);
  await admin.end();
  await testApp.close();
  rmSync(scratch, { recursive: true, force: true });
}
