/**
 * The foundation's budgets (issue 2), each against a reference measured in the same run:
 *   start-up   process start → /readyz 200 on SQLite (production build)   target ≤ 1.5 s
 *   footprint  RSS after idling (60 s by default)                         target ≤ 80 MB
 *   overhead   requests/s of /healthz ÷ a bare Fastify hello-world's      target ≥ 0.8
 * Usage: npx tsx scripts/bench/foundation.ts [--idle SECONDS] [--duration SECONDS] [--runs N]
 * The web tier starts with the node flags of deploy/systemd/diwan.service's ExecStart, as in production.
 * Bounded: every server it starts listens on 127.0.0.1 and is stopped before it exits.
 *
 * On this 2-core VM a load generator and a server sharing both cores gave ratios that moved by ±15 %
 * between identical runs, so the servers run pinned to the last core and autocannon (this process)
 * to the first (taskset, when there are two cores or more), and throughput is measured in
 * alternating rounds whose median ratio is reported.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, median, pinToCore, productionEnv, rssMb, startAndWait, stop, verdict } from './support.js';

const { values } = parseArgs({
  options: {
    idle: { type: 'string', default: '60' },
    duration: { type: 'string', default: '5' },
    runs: { type: 'string', default: '5' },
  },
});
const idleSeconds = Number(values.idle);
const loadSeconds = Number(values.duration);
const runs = Number(values.runs);

const { server: serverCore } = pinToCore();
const root = fileURLToPath(new URL('../../', import.meta.url));
const diwanBin = join(root, 'bin', 'diwan.js');
const reference = join(root, 'scripts', 'bench', 'reference', 'hello-fastify.mjs');
// The web tier starts as its systemd unit starts it, node's flags included.
const unit = readFileSync(join(root, 'deploy', 'systemd', 'diwan.service'), 'utf8');
const execStart = /^ExecStart=\S+\/node((?: --\S+)*) \/opt\/diwan\/bin\/diwan\.js serve$/m.exec(unit);
if (!execStart)
  throw new Error(
    'deploy/systemd/diwan.service: no ExecStart line of the form "node [--flag…] …/diwan.js serve"',
  );
const nodeFlags = execStart[1]!.split(' ').filter(Boolean);

console.log('building dist/ (what production runs) …');
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

const dataDir = mkdtempSync(join(tmpdir(), 'diwan-bench-'));
const diwanEnv = (port: number) =>
  productionEnv(dataDir, port, { DIWAN_LOG_LEVEL: 'info', DIWAN_AGENT_SOCKET: join(dataDir, 'agent.sock') });
execFileSync(process.execPath, [diwanBin, 'migrate', 'up'], { env: diwanEnv(1), stdio: 'ignore' });
// Production topology: the agent runs beside the web tier (/readyz waits for it).
const agentProcess = spawn(process.execPath, [diwanBin, 'agent'], { env: diwanEnv(1), stdio: 'ignore' });
for (let i = 0; i < 400 && !existsSync(join(dataDir, 'agent.sock')); i += 1) {
  await new Promise((resolve) => setTimeout(resolve, 25));
}

async function startDiwan() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/readyz`;
  return {
    port,
    ...(await startAndWait([...nodeFlags, diwanBin, 'serve'], diwanEnv(port), url, serverCore)),
  };
}
async function startReference() {
  const port = await freePort();
  const env = { PATH: process.env.PATH, PORT: String(port) };
  return { port, ...(await startAndWait([reference], env, `http://127.0.0.1:${port}/readyz`, serverCore)) };
}

// Start-up, alternating so that both see the same machine.
const diwanStartups: number[] = [];
const referenceStartups: number[] = [];
for (let i = 0; i < runs; i += 1) {
  const ref = await startReference();
  referenceStartups.push(ref.startupMs);
  await stop(ref.child);
  const diwan = await startDiwan();
  diwanStartups.push(diwan.startupMs);
  await stop(diwan.child);
}
const startup = median(diwanStartups);
const referenceStartup = median(referenceStartups);

// Footprint after idling side by side, then throughput with identical autocannon settings. One
// process's RSS moves by a few MB between identical starts, so three idle together and the median
// counts.
const diwan = await startDiwan();
const idleSiblings = [await startDiwan(), await startDiwan()];
const ref = await startReference();
console.log(`idling ${idleSeconds} s …`);
await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
const diwanRssAll = [diwan, ...idleSiblings].map((server) => rssMb(server.child.pid!));
const diwanRss = median(diwanRssAll);
for (const sibling of idleSiblings) await stop(sibling.child);
const agentRss = rssMb(agentProcess.pid!);
const referenceRss = rssMb(ref.child.pid!);

async function requestsPerSecond(port: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/healthz`;
  const result = await autocannon({ url, connections: 32, duration: loadSeconds });
  return result.requests.average;
}
// Warm both up the same way, then alternate so that drift in the machine hits both alike.
await requestsPerSecond(ref.port);
await requestsPerSecond(diwan.port);
const rounds: { diwan: number; reference: number }[] = [];
for (let i = 0; i < 3; i += 1) {
  const referenceRound = await requestsPerSecond(ref.port);
  const diwanRound = await requestsPerSecond(diwan.port);
  rounds.push({ diwan: diwanRound, reference: referenceRound });
}
await stop(diwan.child);
await stop(ref.child);
await stop(agentProcess);
const diwanRps = median(rounds.map((r) => r.diwan));
const referenceRps = median(rounds.map((r) => r.reference));
const rpsRatio = median(rounds.map((r) => r.diwan / r.reference));

const fmt = (n: number, digits = 2) => n.toFixed(digits);
console.log(`
web tier started as deploy/systemd/diwan.service does: node ${[...nodeFlags, 'bin/diwan.js', 'serve'].join(' ')}
start-up to /readyz 200 (median of ${runs}): diwan ${fmt(startup / 1000)} s, bare fastify ${fmt(referenceStartup / 1000)} s, ratio ${fmt(startup / referenceStartup)}  → ${verdict(startup <= 1500)} (≤ 1.5 s)
RSS after ${idleSeconds} s idle: diwan web tier ${fmt(diwanRss, 1)} MB (median of ${diwanRssAll.map((r) => fmt(r, 1)).join(', ')}; agent ${fmt(agentRss, 1)} MB), bare fastify ${fmt(referenceRss, 1)} MB, ratio ${fmt(diwanRss / referenceRss)}  → ${verdict(diwanRss <= 80)} (≤ 80 MB)
/healthz requests/s (median of 3 alternating rounds): diwan ${fmt(diwanRps, 0)}, bare fastify ${fmt(referenceRps, 0)}, ratio ${fmt(rpsRatio)}  → ${verdict(rpsRatio >= 0.8)} (≥ 0.8)`);
