import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { sql, type Kysely, type Transaction } from 'kysely';
import { version } from '../version.js';
import type { PanelDb } from './connection.js';
import { migrationStatus } from './migrate.js';
import type { Database } from './schema.js';

/**
 * Backups of the panel's own data: one gzipped file of JSON lines, the same on SQLite, MariaDB and
 * PostgreSQL, so a backup restores into any of them (moving a panel from SQLite to PostgreSQL is a
 * backup and a restore). The first line describes the backup (format, the migrations it was taken
 * at); each following line is one row of one table.
 *
 * Left out on purpose: sessions (an old backup must not bring back sessions that were since
 * revoked: after a restore everyone signs in again) and the login throttle (counters, not data).
 */

const FORMAT = 'diwan-panel-backup';
const FORMAT_VERSION = 1;

/** The panel's tables, each with the columns that order its rows; a test checks the list is whole. */
export const BACKED_UP_TABLES = [
  { name: 'settings', key: ['key'] },
  { name: 'users', key: ['id'] },
  { name: 'api_tokens', key: ['id'] },
  { name: 'recovery_codes', key: ['user_id', 'code_hash'] },
  { name: 'audit_log', key: ['id'] },
  { name: 'tasks', key: ['id'] },
  { name: 'task_logs', key: ['task_id', 'seq'] },
  { name: 'websites', key: ['id'] },
  { name: 'website_domains', key: ['domain'] },
  { name: 'website_certificates', key: ['website_id'] },
  { name: 'databases', key: ['id'] },
  { name: 'database_users', key: ['id'] },
  { name: 'database_grants', key: ['database_id', 'user_id'] },
] as const satisfies readonly { name: keyof Database; key: readonly string[] }[];

/** Tables a restore empties without filling: see above. */
export const NOT_BACKED_UP = ['sessions', 'login_throttle'] as const satisfies readonly (keyof Database)[];

type TableName = (typeof BACKED_UP_TABLES)[number]['name'];
type Row = Record<string, string | number | null>;

interface Header {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  createdAt: number;
  diwanVersion: string;
  dialect: string;
  migrations: string[];
}

/** The last line: its presence says the backup was written whole. */
interface Trailer {
  end: { counts: Record<string, number> };
}

export class BackupError extends Error {}

const PAGE = 1000;
const BACKUP_NAME = /^panel-\d{8}T\d{6}Z\.jsonl\.gz$/;

export interface BackupResult {
  file: string;
  bytes: number;
  counts: Record<string, number>;
}

/**
 * Writes a backup of the panel database to `file` (0600, written under a temporary name and
 * renamed once complete). The rows are read in one transaction: a consistent picture even while
 * the panel runs.
 */
export async function backupPanel(panelDb: PanelDb, file: string, now = Date.now()): Promise<BackupResult> {
  const applied = await appliedMigrations(panelDb.db);
  const partial = `${file}.partial-${randomBytes(8).toString('hex')}`;
  const counts: Record<string, number> = {};
  try {
    const transaction =
      panelDb.dialect === 'sqlite'
        ? panelDb.db.transaction()
        : panelDb.db.transaction().setIsolationLevel('repeatable read');
    await transaction.execute(async (trx) => {
      async function* lines(): AsyncGenerator<string> {
        const header: Header = {
          format: FORMAT,
          version: FORMAT_VERSION,
          createdAt: now,
          diwanVersion: version,
          dialect: panelDb.dialect,
          migrations: applied,
        };
        yield `${JSON.stringify(header)}\n`;
        for (const table of BACKED_UP_TABLES) {
          counts[table.name] = 0;
          for (let offset = 0; ; offset += PAGE) {
            const page = await readPage(trx, table.name, table.key, offset);
            for (const row of page) yield `${JSON.stringify({ table: table.name, row })}\n`;
            counts[table.name]! += page.length;
            if (page.length < PAGE) break;
          }
        }
        const trailer: Trailer = { end: { counts } };
        yield `${JSON.stringify(trailer)}\n`;
      }
      // 'wx': never through a symlink or over a file someone placed there.
      await pipeline(
        Readable.from(lines()),
        createGzip(),
        createWriteStream(partial, { mode: 0o600, flags: 'wx' }),
      );
    });
    await chmod(partial, 0o600);
    // On disk before it takes its name, so a crash never leaves a truncated backup under a good name.
    const handle = await open(partial, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, file);
    const folder = await open(dirname(file), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { file, bytes: (await stat(file)).size, counts };
}

export interface RestoreResult {
  header: Header;
  counts: Record<string, number>;
}

/**
 * Replaces the panel's data with a backup's, in one transaction: the backup is read and checked
 * whole first (format, migrations, tables and columns), and any failure leaves the database as it
 * was. The database must be at the backup's migrations (`diwan migrate` first). Every session ends.
 */
export async function restorePanel(panelDb: PanelDb, file: string): Promise<RestoreResult> {
  const columns = new Map<string, Set<string>>();
  for (const table of await panelDb.db.introspection.getTables()) {
    columns.set(table.name, new Set(table.columns.map((column) => column.name)));
  }
  // First pass: the whole file is checked before anything changes.
  const header = await readBackup(file, (table, row) => {
    const known = columns.get(table);
    for (const column of Object.keys(row)) {
      if (!known?.has(column))
        throw new BackupError(`the backup has a column ${table}.${column} this database lacks`);
    }
  });
  const applied = await appliedMigrations(panelDb.db);
  if (header.migrations.join(',') !== applied.join(',')) {
    const missing = header.migrations.filter((name) => !applied.includes(name));
    const extra = applied.filter((name) => !header.migrations.includes(name));
    const differences = [
      ...(missing.length > 0 ? [`the backup has ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`the database has ${extra.join(', ')}`] : []),
    ];
    throw new BackupError(
      `the backup was taken at other migrations than this database's (${differences.join('; ')}): restore with the Diwan version that took it (${header.diwanVersion}), or migrate this database to the same point first`,
    );
  }

  const counts: Record<string, number> = {};
  await panelDb.db.transaction().execute(async (trx) => {
    for (const table of [...NOT_BACKED_UP, ...[...BACKED_UP_TABLES].reverse().map((t) => t.name)]) {
      await trx.deleteFrom(table).execute();
    }
    // Second pass, inside the transaction: rows go in by batches as they are read.
    let batch: Row[] = [];
    let batchTable: TableName | null = null;
    const flush = async () => {
      if (batchTable !== null && batch.length > 0)
        await trx
          .insertInto(batchTable)
          .values(batch as never)
          .execute();
      batch = [];
    };
    await readBackup(file, async (table, row) => {
      if (table !== batchTable || batch.length >= 200) {
        await flush();
        batchTable = table;
      }
      batch.push(row);
      counts[table] = (counts[table] ?? 0) + 1;
    });
    await flush();
    // PostgreSQL's identity does not follow explicit ids: the next audit row must come after them.
    if (panelDb.dialect === 'postgres') {
      await sql`select setval(pg_get_serial_sequence('audit_log', 'id'), coalesce((select max(id) from audit_log), 0) + 1, false)`.execute(
        trx,
      );
    }
  });
  return { header, counts };
}

/** Reads a backup line by line, checking each; `onRow` sees every row. Returns the header. */
async function readBackup(
  file: string,
  onRow: (table: TableName, row: Row) => void | Promise<void>,
): Promise<Header> {
  const tables = new Set<string>(BACKED_UP_TABLES.map((table) => table.name));
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new BackupError(`cannot read the backup: ${(error as Error).message}`);
  }
  const source = createReadStream(file);
  const input = source.pipe(createGunzip());
  source.on('error', (error) => input.destroy(error));
  const reader = createInterface({ input, crlfDelay: Infinity });
  let header: Header | null = null;
  let trailer: Trailer | null = null;
  const counts: Record<string, number> = {};
  let line = 0;
  try {
    for await (const text of reader) {
      line += 1;
      if (trailer !== null) throw new BackupError(`line ${line} of the backup comes after its end`);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new BackupError(`line ${line} of the backup is not JSON`);
      }
      if (header === null) {
        header = checkedHeader(value);
        continue;
      }
      const entry = value as { table?: unknown; row?: unknown; end?: { counts?: unknown } };
      if (entry.end !== undefined) {
        trailer = { end: { counts: (entry.end.counts ?? {}) as Record<string, number> } };
        continue;
      }
      if (typeof entry.table !== 'string' || !tables.has(entry.table))
        throw new BackupError(`line ${line} of the backup names no panel table`);
      if (!isRow(entry.row)) throw new BackupError(`line ${line} of the backup holds no row`);
      counts[entry.table] = (counts[entry.table] ?? 0) + 1;
      await onRow(entry.table as TableName, entry.row);
    }
  } catch (error) {
    input.destroy();
    if (error instanceof BackupError) throw error;
    throw new BackupError(`cannot read the backup: ${(error as Error).message}`);
  }
  if (header === null) throw new BackupError('the backup is empty');
  if (trailer === null) throw new BackupError('the backup is incomplete: it has no end');
  for (const table of BACKED_UP_TABLES) {
    const expected = trailer.end.counts[table.name] ?? 0;
    if ((counts[table.name] ?? 0) !== expected)
      throw new BackupError(
        `the backup is incomplete: ${table.name} should have ${expected} rows, it has ${counts[table.name] ?? 0}`,
      );
  }
  return header;
}

function checkedHeader(value: unknown): Header {
  const header = value as Partial<Header>;
  if (header?.format !== FORMAT) throw new BackupError('this is not a Diwan panel backup');
  if (header.version !== FORMAT_VERSION)
    throw new BackupError(
      `backup format ${String(header.version)} is not one this Diwan reads (${FORMAT_VERSION})`,
    );
  if (
    !Array.isArray(header.migrations) ||
    !header.migrations.every((name) => typeof name === 'string' && /^[\w.-]{1,128}$/.test(name)) ||
    typeof header.createdAt !== 'number' ||
    !Number.isFinite(header.createdAt) ||
    typeof header.diwanVersion !== 'string' ||
    !/^[\w.+-]{1,64}$/.test(header.diwanVersion) ||
    typeof header.dialect !== 'string' ||
    !/^[a-z]{1,16}$/.test(header.dialect)
  )
    throw new BackupError('the backup header is damaged');
  return header as Header;
}

function isRow(value: unknown): value is Row {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(
    (cell) =>
      cell === null || typeof cell === 'string' || (typeof cell === 'number' && Number.isFinite(cell)),
  );
}

async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  return (await migrationStatus(db)).filter((m) => m.executedAt !== null).map((m) => m.name);
}

async function readPage(
  trx: Transaction<Database>,
  table: TableName,
  key: readonly string[],
  offset: number,
): Promise<Row[]> {
  let query = trx.selectFrom(table).selectAll();
  for (const column of key) query = query.orderBy(sql.ref(column));
  return (await query.limit(PAGE).offset(offset).execute()) as Row[];
}

/** Where backups go by default, and their file name for a time: `panel-20261130T152500Z.jsonl.gz`. */
export function defaultBackupFile(dataDir: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(dataDir, 'backups', `panel-${stamp}.jsonl.gz`);
}

/** Creates the backups folder (0700) when missing. */
export async function ensureBackupDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Removes all but the newest `keep` backups Diwan named in `dir`; returns what it removed. */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => BACKUP_NAME.test(name)).sort();
  const old = names.slice(0, Math.max(0, names.length - keep));
  for (const name of old) await rm(join(dir, name), { force: true });
  return old;
}
