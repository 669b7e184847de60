import { z } from 'zod';
import { entranceSchema } from './auth.js';

export const securitySettingsSchema = z
  .object({
    entrance: z.string(),
    idleMinutes: z.number(),
    lifetimeHours: z.number(),
  })
  .meta({ id: 'SecuritySettings' });

export const securitySettingsPatchSchema = z
  .object({
    entrance: entranceSchema.optional(),
    /** Minutes without a request after which a session ends: 5 minutes to 7 days. */
    idleMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .optional(),
    /** Hours after login at which a session ends however active: 1 hour to 30 days. */
    lifetimeHours: z
      .number()
      .int()
      .min(1)
      .max(30 * 24)
      .optional(),
  })
  .strict();
