import { z } from 'zod';

export const checkResultSchema = z.object({
  status: z.enum(['ok', 'fail']),
  durationMs: z.number(),
  detail: z.string().optional(),
});

export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });

export const readinessSchema = z
  .object({
    status: z.enum(['ok', 'fail']),
    checks: z.record(z.string(), checkResultSchema),
  })
  .meta({ id: 'Readiness' });

export type CheckResult = z.infer<typeof checkResultSchema>;
export type Readiness = z.infer<typeof readinessSchema>;

export const metaSchema = z
  .object({
    name: z.literal('diwan'),
    version: z.string(),
    apiVersion: z.literal('v1'),
  })
  .meta({ id: 'Meta' });
