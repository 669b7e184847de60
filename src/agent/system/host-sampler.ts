import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_TOP_PROCESSES, type DashboardSample } from '../../contract/dashboard.js';

/**
 * The dashboard's figures, read from /proc. Counters (CPU time, bytes read and sent) become rates
 * and shares over the time between two readings: the sampler keeps the last reading, and when it is
 * missing or too old to mean "now" it takes a fresh one and waits a moment before the second.
 * One sampler serves every caller: a sample younger than `reuseMs` is handed out again.
 */

/** Raw counters at one instant. */
export interface Reading {
  atMs: number;
  /** Per CPU line of /proc/stat: [busy, total] in clock ticks; index 0 is all cores together. */
  cpu: [number, number][];
  diskSectors: { read: number; written: number };
  network: { rx: number; tx: number };
  /** Per pid: CPU ticks (user + system) and resident pages. */
  processes: Map<number, { name: string; uid: number; ticks: number; rssPages: number }>;
}

/** Filesystems that hold data; everything else in /proc/mounts is virtual (proc, tmpfs, cgroup…). */
const DATA_FILESYSTEMS = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'zfs',
  'f2fs',
  'vfat',
  'exfat',
  'ntfs',
  'ntfs3',
  'reiserfs',
  'jfs',
  'overlay',
  'fuse.mergerfs',
]);
const MAX_DISKS = 20;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Diwan runs on
const PAGE_BYTES = 4096;

/** /proc/stat's cpu lines: busy and total ticks, all cores first. Pure, for tests. */
export function parseCpuTimes(stat: string): [number, number][] {
  const rows: [number, number][] = [];
  for (const line of stat.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    rows.push([total - idle, total]);
  }
  return rows;
}

/** /proc/meminfo, in bytes. */
export function parseMemory(meminfo: string): DashboardSample['memory'] {
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0) * 1024;
  const total = kib('MemTotal');
  const available = kib('MemAvailable');
  const swapTotal = kib('SwapTotal');
  return { total, used: total - available, available, swapTotal, swapUsed: swapTotal - kib('SwapFree') };
}

/** Sectors read and written by whole disks (not their partitions, which would count twice). */
export function parseDiskStats(diskstats: string, isWholeDisk: (name: string) => boolean) {
  let read = 0;
  let written = 0;
  for (const line of diskstats.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const name = fields[2];
    if (!name || !isWholeDisk(name)) continue;
    read += Number(fields[5] ?? 0);
    written += Number(fields[9] ?? 0);
  }
  return { read, written };
}

/** Bytes received and sent by every interface but loopback. */
export function parseNetDev(netdev: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of netdev.split('\n').slice(2)) {
    const [name, counters] = line.split(':');
    if (counters === undefined || name?.trim() === 'lo') continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}

/** /proc/<pid>/stat: the name sits in parentheses and may itself hold spaces and parentheses. */
export function parseProcessStat(stat: string): { name: string; ticks: number; rssPages: number } | null {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = stat.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime 15, rss 24.
  const ticks = Number(rest[11]) + Number(rest[12]);
  const rssPages = Number(rest[21]);
  if (!Number.isFinite(ticks) || !Number.isFinite(rssPages)) return null;
  return { name: stat.slice(open + 1, close), ticks, rssPages };
}

export interface SamplerOptions {
  /** Where /proc, /sys and /etc/passwd are found; tests point it at a fixture tree. */
  root?: string;
  /** A sample younger than this is served again instead of reading /proc once more. */
  reuseMs?: number;
  /** A previous reading older than this is too old for rates: a fresh pair is taken. */
  staleMs?: number;
  /** The wait between a fresh pair of readings. */
  settleMs?: number;
}

export function createHostSampler(options: SamplerOptions = {}) {
  const root = options.root ?? '/';
  const reuseMs = options.reuseMs ?? 1_000;
  const staleMs = options.staleMs ?? 10_000;
  const settleMs = options.settleMs ?? 500;
  const path = (...parts: string[]) => join(root, ...parts);
  const read = (...parts: string[]) => readFileSync(path(...parts), 'utf8');

  let previous: Reading | null = null;
  let last: DashboardSample | null = null;
  let pending: Promise<DashboardSample> | null = null;
  let users: { at: number; names: Map<number, string> } | null = null;

  function userName(uid: number): string {
    if (!users || Date.now() - users.at > 60_000) {
      const names = new Map<number, string>();
      try {
        for (const line of read('etc/passwd').split('\n')) {
          const [name, , id] = line.split(':');
          if (name && id !== undefined) names.set(Number(id), name);
        }
      } catch {
        // no passwd file: uids are shown as numbers
      }
      users = { at: Date.now(), names };
    }
    return users.names.get(uid) ?? String(uid);
  }

  function isWholeDisk(name: string): boolean {
    if (/^(loop|ram|zram|sr|fd)\d/.test(name)) return false;
    try {
      readdirSync(path('sys/block', name));
      return true;
    } catch {
      return false;
    }
  }

  function readProcesses(): Reading['processes'] {
    const processes: Reading['processes'] = new Map();
    for (const entry of readdirSync(path('proc'))) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = parseProcessStat(read('proc', entry, 'stat'));
        const uid = Number(/^Uid:\s+(\d+)/m.exec(read('proc', entry, 'status'))?.[1] ?? -1);
        if (stat) processes.set(Number(entry), { ...stat, uid });
      } catch {
        // the process ended between the listing and the read
      }
    }
    return processes;
  }

  function takeReading(): Reading {
    const sectors = parseDiskStats(read('proc/diskstats'), isWholeDisk);
    return {
      atMs: Date.now(),
      cpu: parseCpuTimes(read('proc/stat')),
      diskSectors: sectors,
      network: parseNetDev(read('proc/net/dev')),
      processes: readProcesses(),
    };
  }

  function disks(): DashboardSample['disks'] {
    const seen = new Set<string>();
    const found: DashboardSample['disks'] = [];
    for (const line of read('proc/mounts').split('\n')) {
      const [device, rawMount, fs] = line.split(' ');
      if (!device || !rawMount || !fs || !DATA_FILESYSTEMS.has(fs) || seen.has(device)) continue;
      // /proc/mounts writes spaces and tabs in paths as octal escapes.
      const mount = rawMount.replace(/\\([0-7]{3})/g, (_, octal: string) =>
        String.fromCharCode(parseInt(octal, 8)),
      );
      try {
        const stats = statfsSync(root === '/' ? mount : path(mount));
        if (stats.blocks === 0) continue;
        seen.add(device);
        found.push({
          mount,
          fs,
          total: stats.blocks * stats.bsize,
          used: (stats.blocks - stats.bfree) * stats.bsize,
        });
      } catch {
        // unmounted meanwhile, or not ours to read
      }
      if (found.length >= MAX_DISKS) break;
    }
    return found;
  }

  function sampleBetween(before: Reading, after: Reading): DashboardSample {
    const seconds = Math.max((after.atMs - before.atMs) / 1000, 0.001);
    const share = (index: number) => {
      const [busyBefore, totalBefore] = before.cpu[index] ?? [0, 0];
      const [busyAfter, totalAfter] = after.cpu[index] ?? [0, 0];
      const total = totalAfter - totalBefore;
      return total > 0 ? round(((busyAfter - busyBefore) / total) * 100) : 0;
    };
    const rate = (a: number, b: number) => Math.max(0, Math.round((b - a) / seconds));
    const processes = [...after.processes].map(([pid, now]) => {
      const then = before.processes.get(pid);
      const ticks = then && then.name === now.name ? now.ticks - then.ticks : 0;
      return {
        pid,
        name: now.name,
        user: userName(now.uid),
        cpu: round((Math.max(0, ticks) / CLOCK_TICKS_PER_SECOND / seconds) * 100),
        memory: now.rssPages * PAGE_BYTES,
      };
    });
    const top = (key: 'cpu' | 'memory') =>
      [...processes].sort((a, b) => b[key] - a[key] || a.pid - b.pid).slice(0, DASHBOARD_TOP_PROCESSES);
    const load = read('proc/loadavg').split(' ').slice(0, 3).map(Number);
    return {
      at: after.atMs,
      cpu: { total: share(0), cores: after.cpu.slice(1).map((_, index) => share(index + 1)) },
      load: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
      memory: parseMemory(read('proc/meminfo')),
      disks: disks(),
      diskIo: {
        readBytesPerSec: rate(before.diskSectors.read, after.diskSectors.read) * 512,
        writeBytesPerSec: rate(before.diskSectors.written, after.diskSectors.written) * 512,
      },
      network: {
        rxBytesPerSec: rate(before.network.rx, after.network.rx),
        txBytesPerSec: rate(before.network.tx, after.network.tx),
      },
      processes: { count: processes.length, topCpu: top('cpu'), topMemory: top('memory') },
    };
  }

  async function fresh(): Promise<DashboardSample> {
    let before = previous;
    if (!before || Date.now() - before.atMs > staleMs) {
      before = takeReading();
      await new Promise((resolve) => setTimeout(resolve, settleMs));
    }
    const after = takeReading();
    previous = after;
    last = sampleBetween(before, after);
    return last;
  }

  return {
    /** The host now: a sample over the time since the one before (shared by concurrent callers). */
    sample(): Promise<DashboardSample> {
      if (last && Date.now() - last.at < reuseMs) return Promise.resolve(last);
      pending ??= fresh().finally(() => {
        pending = null;
      });
      return pending;
    },
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
