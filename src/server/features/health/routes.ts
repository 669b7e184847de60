import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { livenessSchema, readinessSchema } from '../../../contract/health.js';
import { runReadiness, type ReadinessCheck } from './checks.js';

/** `/healthz`: the process answers. `/readyz`: everything it needs answers too (503 otherwise). */
export function healthRoutes(checks: readonly ReadinessCheck[]): FastifyPluginAsyncZod {
  // /readyz is public: callers share one run of the checks and its result for a second, so that no
  // one can turn it into a stream of database queries.
  let last: { at: number; result: ReturnType<typeof runReadiness> } | null = null;
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { public: true },
        schema: { tags: ['health'], summary: 'Liveness', response: { 200: livenessSchema } },
      },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        config: { public: true },
        schema: {
          tags: ['health'],
          summary: 'Readiness',
          response: { 200: readinessSchema, 503: readinessSchema },
        },
      },
      async (request, reply) => {
        const at = performance.now();
        if (!last || at - last.at > 1000) {
          last = {
            at,
            result: runReadiness(checks, (name, error) =>
              request.log.warn({ err: error, check: name }, 'readiness check failed'),
            ),
          };
        }
        const readiness = await last.result;
        return reply.code(readiness.status === 'ok' ? 200 : 503).send(readiness);
      },
    );
  };
}
