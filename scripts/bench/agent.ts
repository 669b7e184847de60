/**
 * Issue 5's agent round trip: p50 and p99 of 10,000 sequential `system.ping` calls through the root
 * agent's Unix socket (a separate `diwan agent` process, production build), against the same call
 * dispatched directly in this process (validation included), in the same run. Then the same for
 * calls that carry an API token, which the agent checks against the panel database on every call
 * (`system.info`), and for the Software center's catalog status (`software.status`, budget ≤ 300 ms)
 * as the web tier gets it: through the socket, with a token.
 * Usage: npx tsx scripts/bench/agent.ts [--calls N]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createAgent } from '../../src/agent/agent.js';
import { socketAgent } from '../../src/server/agent/client.js';
import { loadConfig } from '../../src/server/config/load.js';
import { openPanelDb } from '../../src/server/db/connection.js';
import { stop, verdict } from './support.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '10000' } } });
const calls = Number(values.calls);
const root = fileURLToPath(new URL('../../', import.meta.url));
console.log('building dist/ …');
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

const dataDir = mkdtempSync(join(tmpdir(), 'diwan-bench-agent-'));
const socketPath = join(dataDir, 'agent.sock');
const env = {
  PATH: process.env.PATH,
  DIWAN_USE_DIST: '1',
  DIWAN_ENV: 'production',
  DIWAN_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  DIWAN_DATA_DIR: dataDir,
  DIWAN_AGENT_SOCKET: socketPath,
};
const diwan = join(root, 'bin', 'diwan.js');
execFileSync(process.execPath, [diwan, 'migrate', 'up'], { env, stdio: 'ignore' });
execFileSync(process.execPath, [diwan, 'user', 'add', 'bench'], { env, stdio: 'ignore' });
const token = execFileSync(
  process.execPath,
  [diwan, 'token', 'create', '--name', 'bench', '--scope', 'admin', '--user', 'bench'],
  { env, encoding: 'utf8' },
)
  .trim()
  .split('\n')
  .at(-1)!
  .trim();
const credential = { token };
const child = spawn(process.execPath, [diwan, 'agent'], { env, stdio: 'ignore' });
for (let i = 0; i < 400 && !existsSync(socketPath); i += 1) await new Promise((r) => setTimeout(r, 25));

async function measure(call: () => Promise<unknown>, count = calls): Promise<number[]> {
  for (let i = 0; i < Math.min(500, count); i += 1) await call(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    await call();
    samples.push(Number(process.hrtime.bigint() - started) / 1e3);
  }
  return samples.sort((a, b) => a - b);
}
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const client = socketAgent(socketPath);
const overSocket = await measure(() => client.call('system.ping', {}, null));
const authorizedOverSocket = await measure(() => client.call('system.info', {}, credential), calls / 10);
const catalogOverSocket = await measure(() => client.call('software.status', {}, credential), 20);
await client.close();
await stop(child);

const { config } = loadConfig({ env });
const panelDb = openPanelDb(config!.database);
const agent = createAgent(
  { ...config!, secret: env.DIWAN_SECRET },
  { panelDb, logger: pino({ level: 'silent' }) },
);
const direct = await measure(() => agent.dispatch('system.ping', {}, null));
const authorizedDirect = await measure(() => agent.dispatch('system.info', {}, credential), calls / 10);
await agent.close();
await panelDb.close();

const fmt = (n: number) => `${n.toFixed(1)} µs`;
console.log(`
system.ping, ${calls} sequential calls each:
  through the agent's socket   p50 ${fmt(quantile(overSocket, 0.5))}   p99 ${fmt(quantile(overSocket, 0.99))}
  dispatched in this process   p50 ${fmt(quantile(direct, 0.5))}   p99 ${fmt(quantile(direct, 0.99))}
  ratio (socket ÷ direct)      p50 ${(quantile(overSocket, 0.5) / quantile(direct, 0.5)).toFixed(1)}×   p99 ${(quantile(overSocket, 0.99) / quantile(direct, 0.99)).toFixed(1)}×

system.info with an API token (checked against the panel database on each call), ${calls / 10} calls each:
  through the agent's socket   p50 ${fmt(quantile(authorizedOverSocket, 0.5))}   p99 ${fmt(quantile(authorizedOverSocket, 0.99))}
  dispatched in this process   p50 ${fmt(quantile(authorizedDirect, 0.5))}   p99 ${fmt(quantile(authorizedDirect, 0.99))}
  ratio (socket ÷ direct)      p50 ${(quantile(authorizedOverSocket, 0.5) / quantile(authorizedDirect, 0.5)).toFixed(1)}×   p99 ${(quantile(authorizedOverSocket, 0.99) / quantile(authorizedDirect, 0.99)).toFixed(1)}×

software.status (the whole catalog) through the socket with a token, 20 calls:
  p50 ${(quantile(catalogOverSocket, 0.5) / 1000).toFixed(1)} ms   worst ${(catalogOverSocket.at(-1)! / 1000).toFixed(1)} ms   ${verdict(catalogOverSocket.at(-1)! / 1000 <= 300)} (≤ 300 ms)`);
