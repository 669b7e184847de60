import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { auditPageSchema, auditQuerySchema } from '../../../contract/audit.js';
import type { AuditLog } from '../../audit/audit-log.js';

export function auditRoutes(deps: { audit: AuditLog }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'The audit log, newest first, with filters; page with `before`',
          querystring: auditQuerySchema,
          response: { 200: auditPageSchema },
        },
      },
      async (request) => {
        const rows = await deps.audit.list(request.query);
        const entries = rows.map((row) => ({
          id: Number(row.id),
          at: row.at,
          actorType: row.actor_type,
          actorId: row.actor_id,
          actorName: row.actor_name,
          ip: row.ip,
          action: row.action,
          target: row.target,
          outcome: row.outcome,
          details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
          requestId: row.request_id,
        }));
        const last = entries.at(-1);
        return { entries, nextBefore: entries.length === request.query.limit && last ? last.id : null };
      },
    );
  };
}
