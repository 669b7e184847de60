import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';

import { describeForEachDialect } from '../../../test/support/databases.js';
import { openPanelDb } from './connection.js';
import type { PanelDb } from './connection.js';
import { migrateToLatest } from './migrate.js';
import { createSettingsStore } from './settings-store.js';
import type { SettingsStore } from './settings-store.js';

describeForEachDialect('settings store', (suite) => {
  let panel: PanelDb;
  let store: SettingsStore;
  let clock = 0;

  beforeAll(async () => {
    panel = openPanelDb(suite.config());
    await migrateToLatest(panel.db);
    store = createSettingsStore(panel.db, { now: () => clock });
  });
  afterAll(async () => {
    await panel?.close();
  });
  beforeEach(async () => {
    await panel.db.deleteFrom('settings').execute();
    clock = 1_700_000_000_000;
  });

  async function updatedAt(key: string): Promise<number | undefined> {
    const row = await panel.db
      .selectFrom('settings')
      .select('updated_at')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.updated_at;
  }

  it('returns null for a key never set', async () => {
    expect(await store.get('site.title')).toBeNull();
    expect(await store.getAll()).toEqual(new Map());
  });

  it('sets, reads back and overwrites (upsert), stamping the injected clock', async () => {
    await store.set('site.title', 'first');
    expect(await store.get('site.title')).toBe('first');
    expect(await updatedAt('site.title')).toBe(1_700_000_000_000);

    clock += 5_000;
    await store.set('site.title', 'second');
    expect(await store.get('site.title')).toBe('second');
    // A JS number, not a string or bigint, on every dialect.
    expect(await updatedAt('site.title')).toBe(1_700_000_005_000);
    const count = await panel.db
      .selectFrom('settings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    expect(count?.n).toBe(1);
  });

  it('keeps Arabic text and emoji byte for byte', async () => {
    const arabic = 'ديوان — لوحة تحكم الخادم ✓ 🚀';
    await store.set('ui.welcome', arabic);
    expect(await store.get('ui.welcome')).toBe(arabic);
  });

  it('stores values of 64 KB and more (beyond MySQL TEXT)', async () => {
    const ascii = 'x'.repeat(64 * 1024 + 1);
    const arabic = 'د'.repeat(64 * 1024); // 128 KB of UTF-8
    await store.set('big.ascii', ascii);
    await store.set('big.arabic', arabic);
    expect(await store.get('big.ascii')).toBe(ascii);
    expect(await store.get('big.arabic')).toBe(arabic);
  });

  it('lists every setting in key order', async () => {
    await store.set('b', '2');
    await store.set('a', '1');
    await store.set('c', '');
    expect([...(await store.getAll())]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', ''],
    ]);
  });

  it('treats keys that differ only in case as different keys', async () => {
    await store.set('Theme', 'dark');
    await store.set('theme', 'light');
    expect(await store.get('Theme')).toBe('dark');
    expect(await store.get('theme')).toBe('light');
  });

  it('deletes, saying whether the key existed', async () => {
    await store.set('gone', 'soon');
    expect(await store.delete('gone')).toBe(true);
    expect(await store.get('gone')).toBeNull();
    expect(await store.delete('gone')).toBe(false);
  });

  it('refuses keys outside the allow-list before touching the database', async () => {
    for (const key of ['', ' padded', 'padded ', 'a'.repeat(129), 'semi;colon', "quote'"]) {
      await expect(store.set(key, 'v')).rejects.toThrow(RangeError);
    }
    expect(await store.getAll()).toEqual(new Map());
  });
});
