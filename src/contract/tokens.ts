import { z } from 'zod';

const ipOrCidr = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
  error: 'must be an IP address or a CIDR range',
});

export const createTokenBodySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[\p{L}\p{N} ._-]+$/u, 'may hold letters, digits, spaces and . _ -'),
  scope: z.enum(['read', 'admin']).default('read'),
  /** Epoch milliseconds; omit for a token that does not expire. */
  expiresAt: z.number().int().positive().optional(),
  allowedIps: z.array(ipOrCidr).max(32).optional(),
});

export const apiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(['read', 'admin']),
    allowedIps: z.array(z.string()).nullable(),
    expiresAt: z.number().nullable(),
    lastUsedAt: z.number().nullable(),
    createdAt: z.number(),
  })
  .meta({ id: 'ApiToken' });

export const createdTokenSchema = apiTokenSchema
  .extend({ token: z.string().describe('Shown once: only its hash is kept') })
  .meta({ id: 'CreatedApiToken' });
