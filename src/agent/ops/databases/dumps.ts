import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, open, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { AgentInput } from '../../../contract/agent-ops.js';
import type { DatabaseEngine } from '../../../contract/databases.js';
import { DiwanError } from '../../../contract/errors.js';
import { exportDirOf, uploadPathOf } from '../../../server/features/databases/files.js';
import type { OpContext } from '../../dispatch.js';
import { run } from '../../system/exec.js';
import { hostCommandError } from '../../system/host-command.js';
import type { MariaDbOptions } from './mariadb.js';
import { postgresOsUser, type PostgresOptions } from './postgresql.js';

export interface DumpDeps {
  dataDir: string;
  mariadb: MariaDbOptions;
  postgres: PostgresOptions;
  /** The database's size on the server, for the progress of an export. */
  sizeOf(engine: DatabaseEngine, name: string): Promise<number>;
  /** Whether the database exists (an import goes into an existing one). */
  exists(engine: DatabaseEngine, name: string): Promise<boolean>;
  /** The throwaway role a PostgreSQL import logs in as, over TCP to the server's port. */
  postgresImport: {
    port(): Promise<number>;
    createRole(helper: string, password: string, owner: string): Promise<void>;
    dropRole(helper: string, database: string, owner: string): Promise<void>;
  };
}

const SIX_HOURS = 6 * 60 * 60_000;
const PROGRESS_EVERY_MS = 1_000;

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Counts the bytes that pass and reports them at most once a second. */
function counter(onCount: (bytes: number) => void) {
  let bytes = 0;
  let last = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      const now = performance.now();
      if (now - last >= PROGRESS_EVERY_MS) {
        last = now;
        onCount(bytes);
      }
      done(null, chunk);
    },
  });
  return { stream, bytes: () => bytes };
}

/**
 * Dumps and restores with the servers' own tools (mariadb-dump/mariadb, pg_dump/psql), as the
 * servers' administrators over their sockets: no password anywhere, argv or environment. Dumps are
 * gzipped into the data dir, owned like the data dir so that the web tier can serve them.
 */
export function createDumps(deps: DumpDeps) {
  const info = (context: OpContext, line: string) => context.emit({ kind: 'log', stream: 'info', line });
  const postgresUser = postgresOsUser(deps.postgres);

  function dumpCommand(engine: DatabaseEngine, name: string): [string, string[]] {
    if (engine === 'mariadb')
      return [
        'mariadb-dump',
        [
          `--socket=${deps.mariadb.socketPath}`,
          `--user=${deps.mariadb.user}`,
          '--single-transaction',
          '--quick',
          '--routines',
          '--triggers',
          '--events',
          '--hex-blob',
          '--default-character-set=utf8mb4',
          '--',
          name,
        ],
      ];
    // No owners or grants in the dump: it restores into another database with another owner.
    return [
      'pg_dump',
      [
        `--host=${deps.postgres.socketDir}`,
        `--port=${deps.postgres.port ?? 5432}`,
        `--username=${deps.postgres.user}`,
        '--no-password',
        '--no-owner',
        '--no-privileges',
        '--format=plain',
        `--dbname=${name}`,
      ],
    ];
  }

  interface Restore {
    file: string;
    args: string[];
    env: Record<string, string>;
    cleanup(): Promise<void>;
  }

  /**
   * How a dump is fed to the server. MariaDB: the client as root, kept to this database by
   * --one-database (dumps carry DEFINER clauses only an administrator may write). PostgreSQL: a
   * throwaway login that is a member of the owner and nothing more, with the owner's role set at
   * connect: what the dump creates belongs to the owner, and a `SET ROLE postgres` in it is refused,
   * where a superuser session would let it run `COPY … TO PROGRAM`. Its password is in a 0600 file.
   */
  async function prepareRestore(engine: DatabaseEngine, name: string, owner: string): Promise<Restore> {
    if (engine === 'mariadb')
      return {
        file: 'mariadb',
        args: [
          `--socket=${deps.mariadb.socketPath}`,
          `--user=${deps.mariadb.user}`,
          '--default-character-set=utf8mb4',
          '--binary-mode',
          // Statements for another database are skipped (a dump's `USE other`): this one only. It
          // must be named as the operand: with --database= it skips every statement.
          '--one-database',
          '--',
          name,
        ],
        env: {},
        cleanup: async () => undefined,
      };
    const helper = `diwan_import_${randomBytes(6).toString('hex')}`;
    const password = randomBytes(24).toString('base64url');
    const port = await deps.postgresImport.port();
    const dir = await mkdtemp(join(tmpdir(), 'diwan-import-'));
    const passfile = join(dir, 'pgpass');
    await writeFile(passfile, `127.0.0.1:${port}:${name}:${helper}:${password}\n`, { mode: 0o600 });
    await deps.postgresImport.createRole(helper, password, owner);
    return {
      file: 'psql',
      args: [
        '--no-psqlrc',
        '--quiet',
        '--no-password',
        '--set=ON_ERROR_STOP=1',
        '--output=/dev/null',
        '--host=127.0.0.1',
        `--port=${port}`,
        `--username=${helper}`,
        `--dbname=${name}`,
      ],
      env: { PGPASSFILE: passfile, PGOPTIONS: `-c role=${owner}` },
      cleanup: async () => {
        await rm(dir, { recursive: true, force: true });
        await deps.postgresImport.dropRole(helper, name, owner);
      },
    };
  }

  /** The data dir's owner: the web tier's user in production, so that it can read what we write. */
  async function ownerOfDataDir() {
    const info = await stat(deps.dataDir);
    return { uid: info.uid, gid: info.gid };
  }

  async function exportDatabase(input: AgentInput<'databases.export'>, context: OpContext) {
    const started = performance.now();
    const dir = exportDirOf(deps.dataDir);
    const owner = await ownerOfDataDir();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chown(dir, owner.uid, owner.gid);
    const estimate = await deps.sizeOf(input.engine, input.name);
    const [file, args] = dumpCommand(input.engine, input.name);
    info(context, `Dumping ${input.name} with ${file} (about ${megabytes(estimate)} on the server)`);

    const target = join(dir, input.file);
    const partial = `${target}.part`;
    const handle = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    const count = counter((bytes) => {
      info(context, `${megabytes(bytes)} of SQL so far`);
      if (estimate > 0) context.emit({ kind: 'progress', percent: Math.min(95, (bytes / estimate) * 50) });
    });
    const written = pipeline(count.stream, createGzip({ level: 6 }), handle.createWriteStream());
    try {
      // pg_dump connects over the socket as the superuser, so it runs as that OS user (peer).
      const user = input.engine === 'postgresql' ? await postgresUser?.() : undefined;
      await run(file, args, {
        stdoutTo: count.stream,
        signal: context.signal,
        timeoutMs: SIX_HOURS,
        ...(user ? { user } : {}),
      });
      await written;
      await chown(partial, owner.uid, owner.gid);
      await rename(partial, target);
    } catch (error) {
      count.stream.destroy();
      await written.catch(() => undefined);
      await unlink(partial).catch(() => undefined);
      throw hostCommandError(`${file} of ${input.name}`, error);
    }
    const sizeBytes = (await stat(target)).size;
    const durationMs = performance.now() - started;
    info(
      context,
      `Wrote ${input.file}: ${megabytes(sizeBytes)} gzipped (${megabytes(count.bytes())} of SQL) in ${seconds(durationMs)}`,
    );
    context.emit({ kind: 'progress', percent: 100 });
    return { file: input.file, sizeBytes, durationMs };
  }

  /** Opens the dump without following a symlink anywhere on its path; only a regular file will do. */
  async function openSource(input: AgentInput<'databases.import'>) {
    const path = input.upload ? uploadPathOf(deps.dataDir, input.upload) : input.path!;
    if (input.path !== undefined) {
      const real = await realpath(input.path).catch(() => null);
      if (real !== input.path)
        throw new DiwanError(
          'DIWAN_E_VALIDATION',
          'path: no such file, or it goes through a symlink',
          'path',
        );
    }
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        `${input.upload ? 'upload' : 'path'}: no such file`,
        input.upload ? 'upload' : 'path',
      );
    });
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new DiwanError('DIWAN_E_VALIDATION', 'path: not a regular file', 'path');
    }
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    return { handle, path, size: info.size, gzip: magic[0] === 0x1f && magic[1] === 0x8b };
  }

  async function importDatabase(input: AgentInput<'databases.import'>, context: OpContext) {
    if ((input.upload === undefined) === (input.path === undefined))
      throw new DiwanError('DIWAN_E_VALIDATION', 'upload: give either upload or path', 'upload');
    if (!(await deps.exists(input.engine, input.name)))
      throw new DiwanError('DIWAN_E_NOT_FOUND', `There is no database ${input.name}`, 'name');
    const started = performance.now();
    const source = await openSource(input);
    info(
      context,
      `Reading ${input.path ?? 'the upload'}: ${megabytes(source.size)}${source.gzip ? ', gzipped' : ''}`,
    );
    const read = counter((bytes) => {
      context.emit({ kind: 'progress', percent: Math.min(99, (bytes / Math.max(1, source.size)) * 100) });
    });
    const sql = counter((bytes) => info(context, `${megabytes(bytes)} of SQL so far`));
    const stages: Readable[] = [source.handle.createReadStream({ start: 0 }), read.stream];
    const command = await prepareRestore(input.engine, input.name, input.owner);
    const feeding = pipeline([...stages, ...(source.gzip ? [createGunzip()] : []), sql.stream]).catch(
      (error: unknown) => error,
    );
    try {
      await run(command.file, command.args, {
        stdinFrom: sql.stream,
        env: command.env,
        signal: context.signal,
        timeoutMs: SIX_HOURS,
      });
      const failure = await feeding;
      if (failure) throw failure;
    } catch (error) {
      sql.stream.destroy();
      throw hostCommandError(`${command.file} into ${input.name}`, error);
    } finally {
      await source.handle.close().catch(() => undefined);
      await command.cleanup();
    }
    const durationMs = performance.now() - started;
    info(
      context,
      `Imported ${megabytes(sql.bytes())} of SQL (${megabytes(source.size)} read) in ${seconds(durationMs)}`,
    );
    context.emit({ kind: 'progress', percent: 100 });
    return { sizeBytes: source.size, durationMs };
  }

  return { exportDatabase, importDatabase };
}
