import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIN_SECRET_BYTES } from './load.js';
import type { Config } from './types.js';

export class DataDirRejected extends Error {
  override readonly name = 'DataDirRejected';
}

/**
 * Creates the data dir (mode 0700) once the configuration has been accepted, and outside production
 * supplies a panel secret kept in `<dataDir>/secret` (0600) so that a development instance keeps its
 * sessions and encrypted values across restarts. Production never gets here without DIWAN_SECRET.
 */
export function prepareDataDir(config: Config): Config {
  // Everything the web tier creates (the panel database, its WAL, the secret) is private to it.
  process.umask(0o077);
  ensurePrivateDir(config.dataDir);
  if (config.database.sqlitePath && config.database.sqlitePath !== ':memory:') {
    mkdirSync(dirname(config.database.sqlitePath), { recursive: true, mode: 0o700 });
  }
  if (config.secret !== null) return config;
  if (config.env === 'production') throw new DataDirRejected('DIWAN_SECRET is required in production');
  return { ...config, secret: developmentSecret(join(config.dataDir, 'secret')) };
}

/** The data dir must be a real directory of ours, closed to others (a shared /tmp path could be planted). */
function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const stat = lstatSync(path);
  if (!stat.isDirectory()) throw new DataDirRejected(`the data dir ${path} is not a directory`);
  const uid = process.getuid?.();
  if (uid === 0 && stat.uid !== 0) {
    // The root agent reads the web tier's data dir (production: /var/lib/diwan, owned by diwan). It
    // is the web tier's to keep closed; root only refuses one that others could have planted files in.
    if ((stat.mode & 0o077) !== 0)
      throw new DataDirRejected(`the data dir ${path} is open to other users: chmod 700 it`);
    return;
  }
  if (uid !== undefined && stat.uid !== uid) {
    throw new DataDirRejected(`the data dir ${path} belongs to another user (uid ${stat.uid})`);
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(path, 0o700);
}

function developmentSecret(file: string): string {
  const secret = randomBytes(48).toString('base64url');
  try {
    // Exclusive create: two instances starting at once both end up with the one that won.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(file);
  if (!stat.isFile() || (stat.mode & 0o077) !== 0) {
    throw new DataDirRejected(`${file} must be a regular file readable by its owner only (chmod 600)`);
  }
  const stored = readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(stored) < MIN_SECRET_BYTES) {
    // Replacing it would silently end every session and make sealed values unreadable: say so instead.
    throw new DataDirRejected(`${file} holds no valid secret: restore it, or delete it to start afresh`);
  }
  return stored;
}
