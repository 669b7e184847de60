import type { FastifyBaseLogger } from 'fastify';
import type { AgentCredentials } from '../../../contract/agent-ops.js';
import {
  DASHBOARD_HISTORY_MS,
  DASHBOARD_INTERVAL_MS,
  type DashboardSample,
} from '../../../contract/dashboard.js';
import type { AgentClient } from '../../agent/client.js';

export interface DashboardWatcher {
  /** Whose credential asks the agent on the hub's behalf while this watcher is there. */
  credentials: AgentCredentials;
  /** The history at once (up to 5 minutes), then each new sample. */
  onSamples(samples: DashboardSample[]): void;
  /** The agent refused this watcher's credential. */
  onRefused(code: string, message: string): void;
}

/**
 * The web tier's side of the dashboard: one timer asks the agent for a sample every 2 s while at
 * least one socket watches, and hands it to every watcher; with nobody watching it stops. The agent
 * is asked with a watcher's own credential (per-call authorization holds here too): the newest
 * watcher's, and if the agent refuses it, the next one's.
 */
export function createDashboardHub(deps: {
  agent: AgentClient;
  logger: FastifyBaseLogger;
  intervalMs?: number;
}) {
  const intervalMs = deps.intervalMs ?? DASHBOARD_INTERVAL_MS;
  const watchers = new Set<DashboardWatcher>();
  const history: DashboardSample[] = [];
  let timer: NodeJS.Timeout | null = null;
  let busy = false;

  const recent = () => {
    const since = Date.now() - DASHBOARD_HISTORY_MS;
    while (history.length > 0 && history[0]!.at < since) history.shift();
    return history;
  };

  async function tick(): Promise<void> {
    if (busy) return; // an agent slower than the interval: skip a beat rather than queue calls
    busy = true;
    try {
      for (const watcher of [...watchers].reverse()) {
        try {
          const sample = await deps.agent.call('system.sample', {}, watcher.credentials);
          history.push(sample);
          recent();
          for (const each of watchers) each.onSamples([sample]);
          return;
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'DIWAN_E_INTERNAL';
          if (code === 'DIWAN_E_UNAUTHORIZED' || code === 'DIWAN_E_FORBIDDEN') {
            watcher.onRefused(code, (error as Error).message);
            watchers.delete(watcher);
            continue;
          }
          deps.logger.warn({ err: error }, 'dashboard: the agent gave no sample');
          return;
        }
      }
    } finally {
      busy = false;
      if (watchers.size === 0) stop();
    }
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }

  return {
    /** Starts watching; returns the function that stops it. */
    watch(watcher: DashboardWatcher): () => void {
      watchers.add(watcher);
      const known = recent();
      if (known.length > 0)
        watcher.onSamples(known.map((sample, i) => (i < known.length - 1 ? slim(sample) : sample)));
      if (!timer) {
        timer = setInterval(() => void tick(), intervalMs);
        timer.unref();
        if (known.length === 0 || Date.now() - known.at(-1)!.at > intervalMs) void tick();
      }
      return () => {
        watchers.delete(watcher);
        if (watchers.size === 0) stop();
      };
    },
    /** Whether the hub is asking the agent now (for tests and metrics). */
    get sampling(): boolean {
      return timer !== null;
    },
    close: stop,
  };
}

/**
 * A past sample as the charts need it: the process lists and disks only matter for the latest one,
 * and leaving them out makes 5 minutes of history ~75 KB instead of ~300 KB.
 */
function slim(sample: DashboardSample): DashboardSample {
  return { ...sample, disks: [], processes: { count: sample.processes.count, topCpu: [], topMemory: [] } };
}

export type DashboardHub = ReturnType<typeof createDashboardHub>;
