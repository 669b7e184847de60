import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { hostInfoSchema } from '../../../contract/agent-ops.js';
import type { AgentClient } from '../../agent/client.js';
import { agentCredentialsOf } from '../../agent/credentials.js';

export function systemRoutes(deps: { agent: AgentClient }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/system/info',
      {
        schema: {
          tags: ['system'],
          summary: 'This host: OS, kernel, init system, uptime (from the agent)',
          response: { 200: hostInfoSchema },
        },
      },
      async (request) => deps.agent.call('system.info', {}, agentCredentialsOf(request)),
    );
  };
}
