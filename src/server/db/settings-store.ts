import type { Kysely } from 'kysely';

import type { Database } from './schema.js';
import { upsert } from './upsert.js';

/** Panel-wide settings as key → text; callers encode structured values (JSON) themselves. */
export interface SettingsStore {
  get(key: string): Promise<string | null>;
  getAll(): Promise<Map<string, string>>;
  /** Inserts or overwrites. */
  set(key: string, value: string): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
}

export interface SettingsStoreDeps {
  /** Epoch milliseconds; injected so tests control time. */
  now?: () => number;
}

/**
 * Keys are names chosen in code, so an allow-list: it also keeps them under the column's 128
 * characters (SQLite would not enforce it) and free of trailing spaces, which MariaDB's PAD SPACE
 * collations would treat as equal to the key without them.
 */
const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function createSettingsStore(db: Kysely<Database>, deps: SettingsStoreDeps = {}): SettingsStore {
  const now = deps.now ?? Date.now;
  return {
    async get(key) {
      checkKey(key);
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value ?? null;
    },
    async getAll() {
      const rows = await db.selectFrom('settings').select(['key', 'value']).orderBy('key').execute();
      return new Map(rows.map((row) => [row.key, row.value]));
    },
    async set(key, value) {
      checkKey(key);
      await upsert(db, 'settings', { key, value, updated_at: now() }, ['key'], ['value', 'updated_at']);
    },
    async delete(key) {
      checkKey(key);
      const result = await db.deleteFrom('settings').where('key', '=', key).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function checkKey(key: string): void {
  if (!keyPattern.test(key)) {
    throw new RangeError(`setting key ${JSON.stringify(key)} must be 1-128 letters, digits, . _ : or -`);
  }
}
