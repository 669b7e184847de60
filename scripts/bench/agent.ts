/**
 * Issue 5's agent round trip: p50 and p99 of 10,000 sequential `system.ping` calls through the root
 * agent's Unix socket (a separate `diwan agent` process, production build), against the same call
 * dispatched directly in this process (validation included), in the same run.
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
import { stop } from './support.js';

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
const child = spawn(process.execPath, [diwan, 'agent'], { env, stdio: 'ignore' });
for (let i = 0; i < 400 && !existsSync(socketPath); i += 1) await new Promise((r) => setTimeout(r, 25));

async function measure(call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 500; i += 1) await call(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < calls; i += 1) {
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
await client.close();
await stop(child);

const { config } = loadConfig({ env });
const panelDb = openPanelDb(config!.database);
const agent = createAgent(
  { ...config!, secret: env.DIWAN_SECRET },
  { panelDb, logger: pino({ level: 'silent' }) },
);
const direct = await measure(() => agent.dispatch('system.ping', {}, null));
await agent.close();
await panelDb.close();

const fmt = (n: number) => `${n.toFixed(1)} µs`;
console.log(`
system.ping, ${calls} sequential calls each:
  through the agent's socket   p50 ${fmt(quantile(overSocket, 0.5))}   p99 ${fmt(quantile(overSocket, 0.99))}
  dispatched in this process   p50 ${fmt(quantile(direct, 0.5))}   p99 ${fmt(quantile(direct, 0.99))}
  ratio (socket ÷ direct)      p50 ${(quantile(overSocket, 0.5) / quantile(direct, 0.5)).toFixed(1)}×   p99 ${(quantile(overSocket, 0.99) / quantile(direct, 0.99)).toFixed(1)}×`);
