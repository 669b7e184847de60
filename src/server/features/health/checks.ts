import type { CheckResult, Readiness } from '../../../contract/health.js';
import type { PanelDb } from '../../db/connection.js';
import { pendingMigrations } from '../../db/migrate.js';
import type { AgentClient } from '../../agent/client.js';
import { withTimeout } from '../../util/with-timeout.js';

/** One dependency that must answer before Diwan takes traffic (the database now, the agent later). */
export interface ReadinessCheck {
  name: string;
  /** Resolves with a short public detail when healthy; throws (or rejects) when not. */
  run(): Promise<string | undefined>;
}

const CHECK_TIMEOUT_MS = 3000;

export function databaseCheck(panelDb: PanelDb): ReadinessCheck {
  return { name: 'database', run: async () => (await panelDb.ping(), panelDb.dialect) };
}

export function agentCheck(agent: AgentClient): ReadinessCheck {
  return { name: 'agent', run: async () => (await agent.call('system.ping', {}, null), 'answers') };
}

export function migrationsCheck(panelDb: PanelDb): ReadinessCheck {
  return {
    name: 'migrations',
    async run() {
      const pending = await pendingMigrations(panelDb.db);
      if (pending.length > 0) throw new CheckFailure(`${pending.length} pending: run diwan migrate up`);
      return 'current';
    },
  };
}

/**
 * Runs every check in parallel with a timeout each. A failure's detail says which check failed and a
 * short reason: /readyz is public, so driver messages (hosts, users) stay in the log only.
 */
export async function runReadiness(
  checks: readonly ReadinessCheck[],
  onFailure: (name: string, error: unknown) => void,
): Promise<Readiness> {
  const entries = await Promise.all(
    checks.map(async (check): Promise<[string, CheckResult]> => {
      const started = performance.now();
      try {
        const detail = await withTimeout(check.run(), CHECK_TIMEOUT_MS, () => new CheckFailure('timed out'));
        return [check.name, { status: 'ok', durationMs: elapsed(started), ...(detail ? { detail } : {}) }];
      } catch (error) {
        onFailure(check.name, error);
        const detail = error instanceof CheckFailure ? error.message : 'unreachable';
        return [check.name, { status: 'fail', durationMs: elapsed(started), detail }];
      }
    }),
  );
  const checksByName = Object.fromEntries(entries);
  const status = entries.every(([, result]) => result.status === 'ok') ? 'ok' : 'fail';
  return { status, checks: checksByName };
}

/** A failure whose message is safe to show on the public /readyz; anything else shows as "unreachable". */
export class CheckFailure extends Error {}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
