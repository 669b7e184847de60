import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHostSampler,
  parseCpuTimes,
  parseDiskStats,
  parseMemory,
  parseNetDev,
  parseProcessStat,
} from './host-sampler.js';

describe('reading /proc', () => {
  it('counts busy and total CPU ticks, iowait as idle, all cores first', () => {
    const stat = [
      'cpu  100 0 50 800 50 0 0 0 0 0',
      'cpu0 60 0 30 400 10 0 0 0 0 0',
      'cpu1 40 0 20 400 40 0 0 0 0 0',
      'intr 12345',
    ].join('\n');
    expect(parseCpuTimes(stat)).toEqual([
      [150, 1000],
      [90, 500],
      [60, 500],
    ]);
  });

  it('reads memory in bytes, used as total minus available', () => {
    const meminfo =
      'MemTotal:        2000 kB\nMemFree:          100 kB\nMemAvailable:     500 kB\nSwapTotal:       1000 kB\nSwapFree:         750 kB\n';
    expect(parseMemory(meminfo)).toEqual({
      total: 2_048_000,
      used: 1_536_000,
      available: 512_000,
      swapTotal: 1_024_000,
      swapUsed: 256_000,
    });
  });

  it('adds up whole disks only, and every interface but loopback', () => {
    const diskstats = [
      '   8       0 sda 100 0 2000 0 50 0 4000 0 0 0 0',
      '   8       1 sda1 90 0 1900 0 45 0 3900 0 0 0 0',
      '   7       0 loop0 5 0 10 0 0 0 0 0 0 0 0',
    ].join('\n');
    expect(parseDiskStats(diskstats, (name) => name === 'sda')).toEqual({ read: 2000, written: 4000 });
    const netdev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets',
      '    lo: 9999 10 0 0 0 0 0 0 9999 10 0 0 0 0 0 0',
      '  eth0: 1000 10 0 0 0 0 0 0 300 5 0 0 0 0 0 0',
      '  eth1: 24 1 0 0 0 0 0 0 12 1 0 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDev(netdev)).toEqual({ rx: 1024, tx: 312 });
  });

  it('reads a process whose name holds spaces and parentheses', () => {
    const stat =
      '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 70 30 0 0 20 0 1 0 500 1000000 256 18446744073709551615';
    expect(parseProcessStat(stat)).toEqual({ name: 'my (odd) name', ticks: 100, rssPages: 256 });
  });
});

describe('the host sampler on this machine', () => {
  const children: number[] = [];
  afterEach(() => {
    for (const pid of children.splice(0)) process.kill(pid, 'SIGKILL');
  });

  it('gives the host as it is: every core, all memory, the root file system', async () => {
    const sample = await createHostSampler({ settleMs: 200 }).sample();
    expect(sample.cpu.cores).toHaveLength(cpus().length);
    expect(sample.cpu.total).toBeGreaterThanOrEqual(0);
    expect(sample.cpu.total).toBeLessThanOrEqual(100);
    expect(Math.abs(sample.memory.total - totalmem())).toBeLessThan(1024 * 1024);
    expect(sample.memory.used).toBeGreaterThan(0);
    expect(sample.disks.map((disk) => disk.mount)).toContain('/');
    expect(sample.processes.count).toBeGreaterThan(3);
    expect(sample.processes.topMemory[0]!.memory).toBeGreaterThan(1024 * 1024);
  });

  it('puts a process that burns CPU at the top of the CPU list, with up to one core', async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    children.push(child.pid!);
    const sampler = createHostSampler({ settleMs: 200, reuseMs: 0 });
    await sampler.sample();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sample = await sampler.sample();
    const burner = sample.processes.topCpu.find((p) => p.pid === child.pid);
    expect(burner, JSON.stringify(sample.processes.topCpu)).toBeDefined();
    // Other tests share the cores: the burner gets a good part of one, never more than one.
    expect(burner!.cpu).toBeGreaterThan(20);
    expect(burner!.cpu).toBeLessThan(120);
    expect(burner!.user).toBe('root');
    expect(sample.cpu.total).toBeGreaterThan(burner!.cpu / cpus().length - 5);
  });

  it('serves one sample to callers that come together, and a new one later', async () => {
    const sampler = createHostSampler({ settleMs: 100, reuseMs: 300 });
    const [a, b] = await Promise.all([sampler.sample(), sampler.sample()]);
    expect(b).toBe(a);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const c = await sampler.sample();
    expect(c.at).toBeGreaterThan(a.at);
  });
});
