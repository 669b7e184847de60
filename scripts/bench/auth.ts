/**
 * Issue 3's budgets, against references measured in the same run (production build, SQLite):
 *   session cost   requests/s of an authenticated GET /api/v1/auth/me ÷ GET /healthz   target ≥ 0.7
 *   login flood    wrong-password logins from many addresses (X-Forwarded-For from a trusted proxy):
 *                  how many reach argon2 per second, how many are turned away at once (429), and
 *                  /healthz latency during the flood against idle: it must stay responsive
 * Usage: npx tsx scripts/bench/auth.ts [--duration SECONDS]
 * Bounded: one server on 127.0.0.1, stopped before the script exits.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, median, pinToCore, productionEnv, startAndWait, stop, verdict } from './support.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' } } });
const seconds = Number(values.duration);
const { server: serverCore } = pinToCore();
const root = fileURLToPath(new URL('../../', import.meta.url));
const diwanBin = join(root, 'bin', 'diwan.js');

console.log('building dist/ …');
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const port = await freePort();
const env = productionEnv(mkdtempSync(join(tmpdir(), 'diwan-bench-auth-')), port, {
  DIWAN_TRUSTED_PROXIES: '127.0.0.1',
});
const cli = (args: string[]) =>
  execFileSync(process.execPath, [diwanBin, ...args], { env, encoding: 'utf8' });
cli(['migrate', 'up']);
const password = cli(['user', 'add', 'bench']).trim().split('\n').at(-1)!;
const entrance = cli(['entrance', 'show']).trim();
const base = `http://127.0.0.1:${port}`;
const server = await startAndWait([diwanBin, 'serve'], env, `${base}/readyz`, serverCore);

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'bench', password, entrance }),
});
if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

async function rps(path: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await autocannon({ url: `${base}${path}`, connections: 32, duration: seconds, headers });
  if (result.non2xx > 0) throw new Error(`${path}: ${result.non2xx} answers were not 2xx`);
  return result.requests.average;
}
await rps('/healthz');
await rps('/api/v1/auth/me', { cookie });
const ratios: number[] = [];
const meRates: number[] = [];
const healthRates: number[] = [];
for (let i = 0; i < 3; i += 1) {
  const health = await rps('/healthz');
  const me = await rps('/api/v1/auth/me', { cookie });
  healthRates.push(health);
  meRates.push(me);
  ratios.push(me / health);
}
const sessionRatio = median(ratios);

// Login flood: every request from a new address, so the per-IP lockout never engages and only the
// argon2 concurrency cap stands between the flood and the CPU.
const idleLatency = (await autocannon({ url: `${base}/healthz`, connections: 1, duration: 3 })).latency.p99;
let counter = 0;
const floodDone = autocannon({
  url: `${base}/api/v1/auth/login`,
  connections: 64,
  duration: seconds * 2,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  requests: [
    {
      setupRequest: (request) => {
        counter += 1;
        const address = `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`;
        return {
          ...request,
          headers: { ...request.headers, 'x-forwarded-for': address },
          body: JSON.stringify({ username: `u${counter % 1000}x`, password: 'wrong-password-123', entrance }),
        };
      },
    },
  ],
});
await new Promise((resolve) => setTimeout(resolve, 1000));
const floodLatency = (await autocannon({ url: `${base}/healthz`, connections: 1, duration: seconds })).latency
  .p99;
const flood = await floodDone;
await stop(server.child);

const refused = flood.statusCodeStats?.['429']?.count ?? 0;
const checked = flood.statusCodeStats?.['401']?.count ?? 0;
const fmt = (n: number, digits = 2) => n.toFixed(digits);
console.log(`
GET /api/v1/auth/me with a session: ${fmt(median(meRates), 0)} req/s, /healthz ${fmt(median(healthRates), 0)} req/s, ratio ${fmt(sessionRatio)}  → ${verdict(sessionRatio >= 0.7)} (≥ 0.7)
login flood from ${counter} addresses over ${seconds * 2} s: ${fmt(checked / (seconds * 2), 0)} passwords checked/s (argon2id), ${fmt(refused / (seconds * 2), 0)} turned away/s with 429
/healthz p99 latency: idle ${idleLatency} ms, during the flood ${floodLatency} ms`);
