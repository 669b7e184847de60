import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentCredentials } from '../../../contract/agent-ops.js';
import type { DashboardSample } from '../../../contract/dashboard.js';
import { DiwanError } from '../../../contract/errors.js';
import type { AgentClient } from '../../agent/client.js';
import { createDashboardHub, type DashboardHub } from './hub.js';

/**
 * The hub's own logic: one agent call per beat whoever watches, none when nobody does, and the
 * credential of a watcher the agent still accepts. The real agent and socket are in live.test.ts.
 */
function countingAgent(refused: Set<string> = new Set()) {
  const calls: AgentCredentials[] = [];
  const agent = {
    call: (_op: string, _input: unknown, auth: AgentCredentials) => {
      calls.push(auth);
      if ('session' in auth && refused.has(auth.session))
        return Promise.reject(new DiwanError('DIWAN_E_UNAUTHORIZED', 'session revoked'));
      return Promise.resolve({
        at: Date.now(),
        disks: [{ mount: '/' }],
        processes: { count: 1, topCpu: [{ pid: 1 }], topMemory: [{ pid: 1 }] },
      } as DashboardSample);
    },
    close: () => Promise.resolve(),
  } as unknown as AgentClient;
  return { agent, calls };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = pino({ level: 'silent' });
let hub: DashboardHub | undefined;
afterEach(() => hub?.close());

function watcher(session: string) {
  const received: DashboardSample[][] = [];
  const refusals: string[] = [];
  return {
    received,
    refusals,
    credentials: { session },
    onSamples: (samples: DashboardSample[]) => received.push(samples),
    onRefused: (code: string) => refusals.push(code),
  };
}

describe('the dashboard hub', () => {
  it('asks the agent once per beat for any number of watchers, and stops when the last one leaves', async () => {
    const { agent, calls } = countingAgent();
    hub = createDashboardHub({ agent, logger, intervalMs: 30 });
    const [a, b] = [watcher('a'), watcher('b')];
    const stopA = hub.watch(a);
    const stopB = hub.watch(b);
    await sleep(100);
    expect(hub.sampling).toBe(true);
    const beats = calls.length;
    expect(beats).toBeGreaterThanOrEqual(2);
    expect(beats).toBeLessThanOrEqual(5);
    expect(a.received.flat().length).toBeGreaterThanOrEqual(beats - 1);
    expect(b.received.flat().length).toBeGreaterThanOrEqual(beats - 1);
    stopA();
    stopB();
    expect(hub.sampling).toBe(false);
    const after = calls.length;
    await sleep(100);
    expect(calls.length).toBe(after);
  });

  it('gives a new watcher what it has at once', async () => {
    const { agent } = countingAgent();
    hub = createDashboardHub({ agent, logger, intervalMs: 20 });
    const first = watcher('a');
    hub.watch(first);
    await sleep(90);
    const late = watcher('b');
    hub.watch(late);
    const history = late.received[0]!;
    expect(history.length).toBeGreaterThanOrEqual(2);
    // Only the newest keeps its process lists and disks: the charts need no more.
    expect(history.at(-1)!.processes.topCpu).toHaveLength(1);
    expect(history.at(-1)!.disks).toHaveLength(1);
    expect(history.slice(0, -1).every((s) => s.processes.topCpu.length === 0 && s.disks.length === 0)).toBe(
      true,
    );
  });

  it('asks with the newest watcher, and falls back to the next when the agent refuses it', async () => {
    const { agent, calls } = countingAgent(new Set(['revoked']));
    hub = createDashboardHub({ agent, logger, intervalMs: 30 });
    const good = watcher('good');
    const revoked = watcher('revoked');
    hub.watch(good);
    hub.watch(revoked);
    await sleep(80);
    expect(revoked.refusals).toEqual(['DIWAN_E_UNAUTHORIZED']);
    expect(calls.filter((c) => 'session' in c && c.session === 'revoked')).toHaveLength(1);
    expect(good.received.length).toBeGreaterThan(0);
    expect(good.refusals).toEqual([]);
  });
});
