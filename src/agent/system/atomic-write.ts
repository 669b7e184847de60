import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiwanError } from '../../contract/errors.js';

/**
 * Replacing a host file so that a crash at any moment leaves either the old bytes or the new ones:
 * temp file in the same directory (same filesystem, so rename is atomic) → write → fsync → check the
 * file has not changed since it was read → rename → fsync the directory (so the rename survives a
 * power cut). The old bytes come back to the caller for rollback.
 */

/** The file changed since the caller read it: someone else edited it; re-read and decide again. */
export class ConflictError extends DiwanError {
  constructor(
    readonly path: string,
    readonly expectedVersion: string | null,
    readonly actualVersion: string | null,
  ) {
    super('DIWAN_E_CONFLICT', `${path} changed since it was read`);
  }
}

/** A target we will not write through: a symlink (it could point anywhere) or not a regular file. */
export class UnsafeTargetError extends DiwanError {
  constructor(
    readonly path: string,
    readonly kind: 'symlink' | 'not-a-file',
  ) {
    super(
      'DIWAN_E_FORBIDDEN',
      `refusing to write ${path}: it is ${kind === 'symlink' ? 'a symlink' : 'not a regular file'}`,
    );
  }
}

export interface WriteOptions {
  /** The version from readForUpdate; null means "must not exist yet"; undefined skips the check. */
  expectedVersion: string | null | undefined;
  /** Defaults to the existing file's mode, or 0644 for a new file. */
  mode?: number;
  /** Default to the existing file's owner, or the writing process for a new file. */
  uid?: number;
  gid?: number;
  /** Return the replaced bytes for rollback (default true). */
  keepPrevious?: boolean;
}

export interface WriteResult {
  previous: Buffer | null;
  version: string;
}

const TEMP_INFIX = '.diwan-';
const TEMP_PATTERN = /^\..*\.diwan-[0-9a-f]+\.tmp$/;
const DEFAULT_MODE = 0o644;

export function versionOf(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

export async function readForUpdate(
  path: string,
): Promise<{ content: Buffer | null; version: string | null }> {
  const content = await readCurrent(path);
  return { content, version: content === null ? null : versionOf(content) };
}

export async function writeAtomic(
  path: string,
  content: string | Buffer,
  options: WriteOptions,
): Promise<WriteResult> {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (
    options.mode !== undefined &&
    !(Number.isInteger(options.mode) && options.mode >= 0 && options.mode <= 0o7777)
  ) {
    throw new TypeError(`invalid mode ${options.mode}`);
  }
  const existing = await inspectTarget(path);
  const mode = options.mode ?? (existing ? existing.mode & 0o7777 : DEFAULT_MODE);
  const uid = options.uid ?? existing?.uid;
  const gid = options.gid ?? existing?.gid;

  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}${TEMP_INFIX}${randomBytes(8).toString('hex')}.tmp`);
  // O_EXCL: never reuse or follow something already at the temp name. Created 0600 so a secret is
  // never readable by others while half-written; the final mode is set before the rename.
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  let renamed = false;
  try {
    try {
      await handle.writeFile(data);
      if (uid !== undefined || gid !== undefined) await handle.chown(uid ?? -1, gid ?? -1);
      await handle.chmod(mode); // after chown, which clears setuid/setgid bits
      await handle.sync();
    } finally {
      await handle.close();
    }
    await pauseForCrashTest();

    // The check sits right before the rename to keep the window small. It is not closed: a writer
    // that does not go through Diwan can still change the file between this read and the rename,
    // and its change is then lost. Closing it would need every writer to take the same lock.
    let previous: Buffer | null = null;
    if (options.expectedVersion !== undefined || options.keepPrevious !== false) {
      previous = await readCurrent(path);
      const actual = previous === null ? null : versionOf(previous);
      if (options.expectedVersion !== undefined && actual !== options.expectedVersion) {
        throw new ConflictError(path, options.expectedVersion, actual);
      }
    }
    await rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
    return { previous: options.keepPrevious === false ? null : previous, version: versionOf(data) };
  } catch (error) {
    if (!renamed) await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * Puts back what writeAtomic returned as `previous`: the old bytes, atomically, or no file at all
 * when there was none. Mode and owner stay those of the current file unless given.
 */
export async function restore(
  path: string,
  previous: Buffer | null,
  options: Pick<WriteOptions, 'mode' | 'uid' | 'gid'> = {},
): Promise<void> {
  if (previous !== null) {
    await writeAtomic(path, previous, { ...options, expectedVersion: undefined, keepPrevious: false });
    return;
  }
  const existing = await inspectTarget(path);
  if (!existing) return;
  await unlink(path);
  await syncDirectory(dirname(path));
}

/**
 * Removes temp files a crashed write left behind (older than maxAgeMs, so a write in progress is
 * never touched). Returns the names removed.
 */
export async function cleanStaleTemps(dir: string, maxAgeMs = 60_000): Promise<string[]> {
  const removed: string[] = [];
  const cutoff = Date.now() - maxAgeMs;
  for (const name of await readdir(dir)) {
    if (!TEMP_PATTERN.test(name)) continue;
    const full = join(dir, name);
    try {
      const stat = await lstat(full);
      if (stat.isFile() && stat.mtimeMs < cutoff) {
        await unlink(full);
        removed.push(name);
      }
    } catch (error) {
      if (!isNotFound(error)) throw error; // removed by someone else meanwhile: fine
    }
  }
  return removed;
}

async function inspectTarget(path: string) {
  try {
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) throw new UnsafeTargetError(path, 'symlink');
    if (!stat.isFile()) throw new UnsafeTargetError(path, 'not-a-file');
    return stat;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function readCurrent(path: string): Promise<Buffer | null> {
  if (!(await inspectTarget(path))) return null;
  try {
    // O_NOFOLLOW closes the gap between the lstat above and this open.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return await readFile(handle);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isNotFound(error)) return null;
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeTargetError(path, 'symlink');
    throw error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems cannot fsync a directory; the rename itself has happened either way.
    if (!['EINVAL', 'ENOTSUP', 'EOPNOTSUPP'].includes((error as NodeJS.ErrnoException).code ?? ''))
      throw error;
  } finally {
    await handle.close();
  }
}

/** Test-only: holds the write between fsync and rename so a test can kill the process there. */
async function pauseForCrashTest(): Promise<void> {
  if (process.env.NODE_ENV !== 'test' && !process.env.VITEST) return;
  const ms = Number(process.env.DIWAN_TEST_ATOMIC_PAUSE_MS);
  if (Number.isFinite(ms) && ms > 0) await sleep(ms);
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
