/**
 * Issue 4's dashboard budgets, on the production build with the agent in its own process:
 *   traffic   bytes a dashboard client receives per second               target ≤ 2 KB/s
 *   fan-out   web tier CPU with 50 clients − with 1 client (same run)     target ≤ 5 % of one core
 * The reference is the same server with one client, measured in the same run.
 * Usage: npx tsx scripts/bench/dashboard.ts [--seconds N]
 * Bounded: every process it starts listens on 127.0.0.1 or a socket in a temporary directory, and
 * is stopped before it exits.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { freePort, pinToCore, productionEnv, startAndWait, stop, verdict } from './support.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } });
const seconds = Number(values.seconds);
const CLIENTS = 50;
const TRAFFIC_BUDGET = 2048;
const FAN_OUT_BUDGET = 5;

const { server: serverCore } = pinToCore();
const root = fileURLToPath(new URL('../../', import.meta.url));
const diwanBin = join(root, 'bin', 'diwan.js');

console.log('building dist/ (what production runs) …');
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

const dataDir = mkdtempSync(join(tmpdir(), 'diwan-bench-'));
const port = await freePort();
const env = productionEnv(dataDir, port, { DIWAN_AGENT_SOCKET: join(dataDir, 'agent.sock') });
execFileSync(process.execPath, [diwanBin, 'migrate', 'up'], { env, stdio: 'ignore' });
const agent = spawn(process.execPath, [diwanBin, 'agent'], { env, stdio: 'ignore' });
for (let i = 0; i < 400 && !existsSync(join(dataDir, 'agent.sock')); i += 1) {
  await new Promise((resolve) => setTimeout(resolve, 25));
}
const web = await startAndWait([diwanBin, 'serve'], env, `http://127.0.0.1:${port}/readyz`, serverCore);
const token = execFileSync(process.execPath, [diwanBin, 'token', 'create', '--name', 'bench'], {
  env,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .at(-1)!;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function watch(clients: number): Promise<{ cpuPercent: number; bytesPerClientPerSecond: number }> {
  let bytes = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`, {
            headers: { authorization: `Bearer ${token}` },
          });
          socket.once('open', () => {
            socket.send(JSON.stringify({ type: 'subscribe', channel: 'dashboard' }));
            resolve(socket);
          });
          socket.once('error', reject);
        }),
    ),
  );
  // The opening history goes out once per subscription: let it pass, then count the steady flow.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  for (const socket of sockets) socket.on('message', (data: Buffer) => (bytes += data.length));
  const cpuBefore = cpuSeconds(web.child.pid!);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpuAfter = cpuSeconds(web.child.pid!);
  for (const socket of sockets) socket.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    cpuPercent: ((cpuAfter - cpuBefore) / seconds) * 100,
    bytesPerClientPerSecond: bytes / clients / seconds,
  };
}

try {
  console.log(`1 client, then ${CLIENTS}, ${seconds} s each …`);
  const one = await watch(1);
  const many = await watch(CLIENTS);
  const extra = many.cpuPercent - one.cpuPercent;
  const perClient = many.bytesPerClientPerSecond;
  console.log(`
dashboard over the live WebSocket (a sample every 2 s):
  traffic per client (${CLIENTS} clients)   ${(perClient / 1024).toFixed(2)} KB/s   ${(perClient / one.bytesPerClientPerSecond).toFixed(2)}× one client's   ${verdict(perClient <= TRAFFIC_BUDGET)} (≤ 2 KB/s)
  web tier CPU, ${CLIENTS} clients            ${many.cpuPercent.toFixed(2)} % of a core
  web tier CPU, 1 client (reference)  ${one.cpuPercent.toFixed(2)} % of a core
  cost of ${CLIENTS - 1} more clients          ${extra.toFixed(2)} % of a core   ${(many.cpuPercent / Math.max(one.cpuPercent, 0.01)).toFixed(1)}× the reference   ${verdict(extra <= FAN_OUT_BUDGET)} (≤ ${FAN_OUT_BUDGET} %)`);
} finally {
  await stop(web.child);
  await stop(agent);
}
