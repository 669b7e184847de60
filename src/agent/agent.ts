import type { Config } from '../server/config/types.js';
import type { PanelDb } from '../server/db/connection.js';
import type { Logger } from '../server/logger.js';
import { createPanelServices } from '../server/services.js';
import { createAuthorizer } from './authorizer.js';
import { createDispatcher } from './dispatch.js';
import * as system from './ops/system/handlers.js';

/**
 * The agent's composition root: its operations, and the authorizer that checks every caller against
 * the panel database (verify-only: no cache, no writes but the audit of refusals).
 */
export function createAgent(config: Config, deps: { panelDb: PanelDb; logger: Logger }) {
  const services = createPanelServices(config, { panelDb: deps.panelDb, verifyOnly: true }, deps.logger);
  const dispatch = createDispatcher({
    handlers: { 'system.ping': system.ping, 'system.info': system.info },
    authorizer: createAuthorizer(services.auth),
    onRefused: (op, error) => {
      deps.logger.warn({ event: 'agent.refused', op, code: error.code }, 'agent refused a call');
      void services.audit
        .record({
          actorType: 'anonymous',
          action: `agent.${op}`,
          outcome: 'denied',
          details: { code: error.code },
        })
        .catch((auditError: unknown) =>
          deps.logger.error({ err: auditError }, 'cannot audit a refused agent call'),
        );
    },
  });
  return {
    dispatch,
    async close() {
      await services.events.close();
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;
