import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { redisPasswordBodySchema, redisStatusSchema } from '../../../contract/databases.js';
import type { AgentClient } from '../../agent/client.js';
import { agentCredentialsOf } from '../../agent/credentials.js';
import { failures } from '../databases/routes.js';
import { generatePassword } from '../databases/service.js';

/** The host's Redis: status, and its password (generated and shown once when none is given). */
export function redisRoutes(deps: { agent: AgentClient }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/redis',
      {
        schema: {
          tags: ['databases'],
          summary: 'Redis: running, version, memory, clients, keys per database, persistence',
          response: { 200: redisStatusSchema, ...failures },
        },
      },
      async (request) => deps.agent.call('redis.status', {}, agentCredentialsOf(request)),
    );

    app.post(
      '/redis/password',
      {
        config: { audit: 'redis.password' },
        schema: {
          tags: ['databases'],
          summary: "Sets Redis's password: config written, service restarted and checked",
          body: redisPasswordBodySchema,
          response: {
            200: z.object({ status: redisStatusSchema, password: z.string().optional() }),
            ...failures,
          },
        },
      },
      async (request) => {
        const password = request.body.password ?? generatePassword();
        const status = await deps.agent.call('redis.setPassword', { password }, agentCredentialsOf(request));
        return request.body.password === undefined ? { status, password } : { status };
      },
    );
  };
}
