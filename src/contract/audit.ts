import { z } from 'zod';

/** Who did it: a user's session, an API token, the server itself (console, lockouts), or nobody known. */
export const auditActorTypes = ['user', 'token', 'system', 'anonymous'] as const;
export type AuditActorType = (typeof auditActorTypes)[number];
export const auditOutcomes = ['success', 'failure', 'denied'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

export const auditQuerySchema = z.object({
  action: z.string().max(128).optional(),
  actor: z.string().max(64).optional(),
  outcome: z.enum(auditOutcomes).optional(),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  /** The `nextBefore` of the previous page. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const auditEntrySchema = z
  .object({
    id: z.number(),
    at: z.number(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    actorName: z.string().nullable(),
    ip: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    outcome: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

export const auditPageSchema = z
  .object({ entries: z.array(auditEntrySchema), nextBefore: z.number().nullable() })
  .meta({ id: 'AuditPage' });
