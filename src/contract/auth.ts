import { z } from 'zod';

/** Usernames: lowercase letters, digits, `_ . -`, starting with a letter; compared in lowercase. */
export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z][a-z0-9_.-]{2,31}$/,
    'must be 3–32 characters: letters, digits, _ . - and start with a letter',
  );

export const passwordSchema = z.string().min(12, 'must be at least 12 characters').max(256);

/** The security entrance: a secret path segment, 8–64 characters of letters, digits, `_` and `-`. */
export const entranceSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 characters: letters, digits, _ and -');

export const loginBodySchema = z.object({
  username: z.string().max(64),
  password: z.string().max(256),
  totp: z.string().max(16).optional(),
  recoveryCode: z.string().max(32).optional(),
  entrance: z.string().max(64),
});

/** The languages of the interface; a user's choice is kept with the user. */
export const supportedLocales = ['en', 'ar'] as const;
export const localeSchema = z.enum(supportedLocales);
export type Locale = z.infer<typeof localeSchema>;

/** What a user may change about themselves with `PATCH /api/v1/auth/me` (null: follow the browser). */
export const mePatchSchema = z.object({ locale: localeSchema.nullable() }).strict();

export const meSchema = z
  .object({
    user: z.object({
      id: z.string(),
      username: z.string(),
      locale: z.string().nullable(),
      totpEnabled: z.boolean(),
      mustChangePassword: z.boolean(),
    }),
    via: z.enum(['session', 'token']),
    scope: z.enum(['read', 'admin']),
    /** Send it back in `X-CSRF-Token` on every state-changing request made with the session cookie. */
    csrfToken: z.string().nullable(),
  })
  .meta({ id: 'Me' });

export const sessionSchema = z
  .object({
    id: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.number(),
    lastSeenAt: z.number(),
    expiresAt: z.number(),
    current: z.boolean(),
  })
  .meta({ id: 'Session' });

export const changePasswordBodySchema = z.object({
  currentPassword: z.string().max(256),
  newPassword: passwordSchema,
});

export const idParamsSchema = z.object({ id: z.string().uuid() });

export const okSchema = z.object({ ok: z.literal(true) }).meta({ id: 'Ok' });
export type Me = z.infer<typeof meSchema>;
