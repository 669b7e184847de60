import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIN_SECRET_BYTES } from './load.js';
import type { Config } from './types.js';

/**
 * Creates the data dir (mode 0700) once the configuration has been accepted, and outside production
 * supplies a panel secret kept in `<dataDir>/secret` (0600) so that a development instance keeps its
 * sessions and encrypted values across restarts. Production never gets here without DIWAN_SECRET.
 */
export function prepareDataDir(config: Config): Config {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  if (config.database.sqlitePath && config.database.sqlitePath !== ':memory:') {
    mkdirSync(dirname(config.database.sqlitePath), { recursive: true, mode: 0o700 });
  }
  if (config.secret !== null) return config;
  if (config.env === 'production') throw new Error('DIWAN_SECRET is required in production');
  const file = join(config.dataDir, 'secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(stored) >= MIN_SECRET_BYTES) return { ...config, secret: stored };
  }
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { ...config, secret };
}
