import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPanelDatabaseConfig, type TestDatabase } from '../../../../test/support/databases.js';
import { siteSpecSchema } from '../../../contract/websites.js';
import { openPanelDb, type PanelDb } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { createCertificateStore, createWebsiteStore } from './store.js';

/**
 * The panel's record of each site's HTTPS, on whichever panel database this project runs
 * (SQLite, MariaDB, PostgreSQL): what the renewal sweep asks for, what the agent renders from.
 */

const DAY = 86_400_000;
let database: TestDatabase;
let panel: PanelDb;
const clock = { now: Date.parse('2026-11-30T12:00:00Z') };
const now = () => clock.now;

beforeAll(async () => {
  database = await testPanelDatabaseConfig();
  panel = openPanelDb(database.config);
  await migrateToLatest(panel.db);
});

afterAll(async () => {
  await panel?.close();
  await database?.drop();
});

const certificate = (serial: string, notAfter: number) => ({
  issuer: "O=Let's Encrypt, CN=R11",
  domains: ['a.example.com'],
  notBefore: new Date(notAfter - 90 * DAY).toISOString(),
  notAfter: new Date(notAfter).toISOString(),
  serial,
});

describe('the certificate store', () => {
  it('keeps each site’s HTTPS, lists what expires within 30 days, and goes with its site', async () => {
    const sites = createWebsiteStore(panel.db, now);
    const store = createCertificateStore(panel.db, now);
    const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    const custom = '33333333-3333-4333-8333-333333333333';
    for (const [index, id] of [...ids, custom].entries()) {
      const spec = siteSpecSchema.parse({ type: 'static', domains: [`s${index}.example.com`] });
      await sites.insert(id, spec, `/var/www/s${index}`, null);
    }
    await store.save(
      ids[0]!,
      { source: 'letsencrypt', forceHttps: true, hsts: false },
      certificate('0A', clock.now + 20 * DAY),
    );
    await store.save(
      ids[1]!,
      { source: 'letsencrypt', forceHttps: false, hsts: true },
      certificate('0B', clock.now + 60 * DAY),
    );
    await store.save(
      custom,
      { source: 'custom', forceHttps: false, hsts: false },
      certificate('0C', clock.now + 5 * DAY),
    );

    // Only Let's Encrypt certificates are renewed by Diwan; a custom one is its owner's.
    expect((await store.dueForRenewal(30)).map((due) => due.id)).toEqual([ids[0]]);
    expect(await store.get(ids[0]!)).toMatchObject({
      source: 'letsencrypt',
      forceHttps: true,
      hsts: false,
      daysLeft: 20,
      serial: '0A',
      domains: ['a.example.com'],
      lastError: null,
    });

    // A failure stays on the record until the next success replaces it.
    await store.recordError(ids[0]!, 'the ACME server says: no');
    expect((await store.get(ids[0]!))?.lastError).toBe('the ACME server says: no');
    await store.save(
      ids[0]!,
      { source: 'letsencrypt', forceHttps: true, hsts: false },
      certificate('0D', clock.now + 90 * DAY),
    );
    expect(await store.get(ids[0]!)).toMatchObject({ serial: '0D', lastError: null, daysLeft: 90 });
    expect(await store.dueForRenewal(30)).toEqual([]);

    // What the agent renders: each site with its HTTPS, or none.
    const records = new Map((await sites.records()).map((record) => [record.id, record.tls]));
    expect(records.get(ids[1]!)).toEqual({ source: 'letsencrypt', forceHttps: false, hsts: true });
    await store.remove(ids[1]!);
    expect((await sites.records()).find((record) => record.id === ids[1])?.tls).toBeNull();

    await sites.remove(custom);
    expect(await store.get(custom)).toBeNull();
  });
});
