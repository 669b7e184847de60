import { z } from 'zod';

/**
 * Stable error codes. A code never changes meaning once released: clients, the UI's translations and
 * the CLI key on it. HTTP statuses are chosen at the edge (src/server/http/errors.ts), not here.
 */
export const errorCodes = [
  'DIWAN_E_VALIDATION',
  'DIWAN_E_BAD_REQUEST',
  'DIWAN_E_BODY_TOO_LARGE',
  'DIWAN_E_UNSUPPORTED_MEDIA_TYPE',
  'DIWAN_E_NOT_FOUND',
  'DIWAN_E_UNAUTHORIZED',
  'DIWAN_E_FORBIDDEN',
  'DIWAN_E_CONFLICT',
  'DIWAN_E_RATE_LIMITED',
  'DIWAN_E_LOCKED_OUT',
  'DIWAN_E_TOTP_REQUIRED',
  'DIWAN_E_PASSWORD_CHANGE_REQUIRED',
  'DIWAN_E_CANCELLED',
  'DIWAN_E_UNAVAILABLE',
  /** A program the agent runs on the host (apt, service, systemctl) failed; the message has its own words. */
  'DIWAN_E_HOST_COMMAND',
  'DIWAN_E_INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      field: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A failure the caller can act on; thrown by services, mapped to HTTP by the edge. */
export class DiwanError extends Error {
  override readonly name = 'DiwanError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

/** The error answers a route declares in its OpenAPI schema: one body shape for every status. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorBodySchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorBodySchema])) as Record<
    S,
    typeof errorBodySchema
  >;
}
