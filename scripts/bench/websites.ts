/**
 * Issue 6's budgets, with 1,000 sites in place, against the machine's real nginx (its own
 * configuration in a temporary directory, see test/support/web-servers.ts):
 *   create    one more static site through the API, p50          target ≤ 2× a bare `nginx -t` +
 *                                                                 reload at the same size (same run)
 *   list      the 1,000 sites through the API, p50                target ≤ 50 ms
 *   memory    growth of a production web tier's RSS once it has
 *             listed 1,000 sites 20 times                        target ≤ 20 MB
 * The 1,000 are seeded directly (records and rendered files, one reload): what is measured is the
 * next change, not the seeding. Create and list run in this process (web tier and agent in one);
 * memory is measured on a separate `diwan serve` (production build) over the same records.
 * Usage: npx tsx scripts/bench/websites.ts [--sites N] [--rounds N]
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { siteSpecSchema } from '../../src/contract/websites.js';
import {
  renderHttp,
  renderHook,
  renderSite,
  siteFileOf,
  sitesDirOf,
} from '../../src/agent/websites/render.js';
import { createNginx } from '../../src/agent/system/web-servers.js';
import { createServiceManager } from '../../src/agent/system/services.js';
import { createWebsiteStore } from '../../src/server/features/websites/store.js';
import { buildTestApp, tokenHeaders } from '../../test/support/app.js';
import { startPrivateWebServers } from '../../test/support/web-servers.js';
import { freePort, median, productionEnv, rssMb as rssOf, startAndWait, stop, verdict } from './support.js';

const { values } = parseArgs({
  options: { sites: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '10' } },
});
const sites = Number(values.sites);
const rounds = Number(values.rounds);
const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

/**
 * A production web tier (dist/) over the test app's SQLite records: its RSS settled before any list,
 * then after listing every site 20 times. The agent is not needed for listing.
 */
async function webTierGrowth(authorization: string): Promise<{ before: number; after: number }> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const port = await freePort();
  const env = productionEnv(testApp.config.dataDir, port, {
    DIWAN_DATABASE_URL: `sqlite:${testApp.config.database.sqlitePath}`,
    DIWAN_SECRET: testApp.config.secret!,
  });
  const { child } = await startAndWait(
    [fileURLToPath(new URL('../../bin/diwan.js', import.meta.url)), 'serve'],
    env,
    `http://127.0.0.1:${port}/healthz`,
  );
  try {
    const settle = () => new Promise((resolve) => setTimeout(resolve, 5000));
    await settle();
    const before = rssOf(child.pid!);
    for (let round = 0; round < 20; round += 1) {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/websites?limit=1000`, {
        headers: { authorization },
      });
      if (((await response.json()) as { total: number }).total < sites) throw new Error('list is short');
    }
    await settle();
    return { before, after: rssOf(child.pid!) };
  } finally {
    await stop(child);
  }
}

const servers = await startPrivateWebServers('diwan-bench-websites-');
const { layout } = servers;
const testApp = await buildTestApp({ websites: layout });
try {
  const headers = await tokenHeaders(testApp, 'admin');
  const list = () => testApp.app.inject({ method: 'GET', url: '/api/v1/websites?limit=1000', headers });

  console.log(`seeding ${sites} sites …`);
  const store = createWebsiteStore(testApp.panelDb.db, Date.now);
  mkdirSync(sitesDirOf(layout), { recursive: true });
  writeFileSync(`${layout.diwanDir}/http.conf`, renderHttp(layout));
  writeFileSync(layout.hookFile, renderHook(layout));
  for (let i = 0; i < sites; i += 1) {
    const id = randomUUID();
    const spec = siteSpecSchema.parse({
      type: 'static',
      domains: [`site-${i}.bench.test`, `www.site-${i}.bench.test`],
    });
    await store.insert(id, spec, `${layout.webRoot}/site-${i}.bench.test`, null);
    writeFileSync(siteFileOf(layout, id), renderSite({ id, spec, enabled: true }, { layout, nonce: 'seed' }));
  }
  const nginx = createNginx(layout, createServiceManager());
  await nginx.test();
  await nginx.reload();

  const creates: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    bare.push(
      await timed(async () => {
        await nginx.test();
        await nginx.reload();
      }),
    );
    creates.push(
      await timed(async () => {
        const response = await testApp.app.inject({
          method: 'POST',
          url: '/api/v1/websites',
          headers,
          payload: { type: 'static', domains: [`new-${round}.bench.test`] },
        });
        if (response.statusCode !== 201) throw new Error(`create failed: ${response.body}`);
      }),
    );
  }

  const lists: number[] = [];
  for (let round = 0; round < 20; round += 1) {
    lists.push(
      await timed(async () => {
        const response = await list();
        if (response.json().total < sites) throw new Error('list is short');
      }),
    );
  }
  const growth = await webTierGrowth(headers.authorization!);

  const [create, reference, listing] = [median(creates), median(bare), median(lists)];
  console.log(`
websites with ${sites} sites in place (median of ${rounds} rounds):
  create one static site through the API    ${create.toFixed(0)} ms   ${(create / reference).toFixed(2)}× the reference   ${verdict(create <= 2 * reference)} (≤ 2×)
  reference: bare nginx -t + reload         ${reference.toFixed(0)} ms
  list the ${sites} sites through the API     ${listing.toFixed(1)} ms   ${verdict(listing <= 50)} (≤ 50 ms)
  web tier RSS: ${growth.before.toFixed(1)} MB with none listed, ${growth.after.toFixed(1)} MB after listing ${sites} sites 20 times
  growth                                    ${(growth.after - growth.before).toFixed(1)} MB   ${verdict(growth.after - growth.before <= 20)} (≤ 20 MB)`);
} finally {
  await testApp.close();
  servers.stop();
}
