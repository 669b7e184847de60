import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParamsSchema, okSchema } from '../../../contract/auth.js';
import { DiwanError } from '../../../contract/errors.js';
import { apiTokenSchema, createdTokenSchema, createTokenBodySchema } from '../../../contract/tokens.js';
import type { ApiTokensStore } from '../../auth/api-tokens-store.js';
import type { AuthService } from '../../auth/service.js';
import { hashToken, newSecretToken } from '../../auth/tokens.js';
import type { ApiToken } from '../../db/schema.js';
import { principalOf } from '../auth/routes.js';

export function tokenView(row: ApiToken) {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    allowedIps: row.allowed_ips ? (JSON.parse(row.allowed_ips) as string[]) : null,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
  };
}

/** Creates a token for `userId`; the token itself is returned once and only its hash is kept. */
export async function createApiToken(
  tokens: ApiTokensStore,
  userId: string,
  input: z.output<typeof createTokenBodySchema>,
  now: number,
) {
  if (input.expiresAt !== undefined && input.expiresAt <= now) {
    throw new DiwanError('DIWAN_E_VALIDATION', 'expiresAt: must be in the future', 'expiresAt');
  }
  const token = newSecretToken('api');
  const row = await tokens.create({
    userId,
    name: input.name,
    tokenHash: hashToken(token),
    scope: input.scope,
    allowedIps: input.allowedIps ?? null,
    expiresAt: input.expiresAt ?? null,
    at: now,
  });
  return { ...tokenView(row), token };
}

export function tokenRoutes(deps: {
  tokens: ApiTokensStore;
  auth: AuthService;
  now: () => number;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/tokens',
      { schema: { tags: ['tokens'], summary: 'My API tokens', response: { 200: z.array(apiTokenSchema) } } },
      async (request) => (await deps.tokens.listActive(principalOf(request).user.id)).map(tokenView),
    );
    app.post(
      '/tokens',
      {
        config: { audit: 'token.create' },
        schema: {
          tags: ['tokens'],
          summary: 'Create an API token (shown once)',
          body: createTokenBodySchema,
          response: { 201: createdTokenSchema },
        },
      },
      async (request, reply) => {
        const created = await createApiToken(
          deps.tokens,
          principalOf(request).user.id,
          request.body,
          deps.now(),
        );
        return reply.code(201).send(created);
      },
    );
    app.delete(
      '/tokens/:id',
      {
        config: { audit: 'token.revoke' },
        schema: {
          tags: ['tokens'],
          summary: 'Revoke an API token',
          params: idParamsSchema,
          response: { 200: okSchema },
        },
      },
      async (request) => {
        if (!(await deps.auth.revokeToken(principalOf(request).user.id, request.params.id))) {
          throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such active token', 'id');
        }
        return { ok: true as const };
      },
    );
  };
}
