/**
 * Issue 5's Software center budget: the status of the whole catalog in ≤ 300 ms, as the agent
 * computes it on this host (dpkg, /proc, init links, the versions the package lists offer). The
 * reference, measured in the same run, is the floor of that work: one bare `dpkg-query` of the
 * catalog's packages.
 * Usage: npx tsx scripts/bench/software.ts [--rounds N]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createSoftwareOps } from '../../src/agent/ops/software/handlers.js';
import { catalog } from '../../src/agent/software/catalog.js';
import { createPackageManager } from '../../src/agent/system/packages.js';
import { createServiceManager } from '../../src/agent/system/services.js';
import { median, verdict } from './support.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(values.rounds);
const TARGET_MS = 300;

async function timed(work: () => Promise<unknown> | unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const packageNames = catalog.flatMap((entry) =>
  entry.versioned
    ? entry.versioned.candidates.map((v) => entry.versioned!.apt(v).package)
    : [entry.apt!.package],
);
const dpkgQuery = () => {
  try {
    execFileSync('dpkg-query', ['-W', '-f', '${Package}\t${Version}\n', '--', ...packageNames], {
      stdio: 'pipe',
    });
  } catch {
    // exit 1 for the packages that are not installed; the timing is what counts
  }
};

// A fresh agent each round. "Cold": status called at once, before anything asked apt for the
// versions it offers (only the first call after the agent starts can see this, and only if it comes
// before the start-up lookup ends). "Started": the agent warmed up at start, as `diwan agent` does.
const cold: number[] = [];
const started: number[] = [];
const warm: number[] = [];
const reference: number[] = [];
const newOps = () =>
  createSoftwareOps({
    services: createServiceManager(),
    packages: createPackageManager(),
    protectedNames: new Set(),
  });
for (let round = 0; round < rounds; round += 1) {
  cold.push(await timed(() => newOps().status()));
  const ops = newOps();
  ops.warm();
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the agent's start-up lookup ends
  started.push(await timed(() => ops.status()));
  warm.push(await timed(() => ops.status()));
  reference.push(await timed(dpkgQuery));
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const [c, s, w, r] = [median(cold), median(started), median(warm), median(reference)];
console.log(`
status of the whole catalog (${catalog.length} entries), median of ${rounds} rounds:
  first call of a started agent (versions asked at start)  ${fmt(s)}   ${(s / r).toFixed(1)}× the reference   ${verdict(s <= TARGET_MS)} (≤ ${TARGET_MS} ms)
  later calls                                              ${fmt(w)}   ${(w / r).toFixed(1)}× the reference   ${verdict(w <= TARGET_MS)} (≤ ${TARGET_MS} ms)
  a call racing the start-up lookup (waits for apt-cache)  ${fmt(c)}   ${(c / r).toFixed(1)}× the reference   (not a budget: the first second of an agent's life)
  reference: one bare dpkg-query of ${packageNames.length} packages ${fmt(r)}`);
