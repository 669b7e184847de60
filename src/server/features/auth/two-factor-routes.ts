import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { okSchema } from '../../../contract/auth.js';
import type { TwoFactor } from '../../auth/second-factor.js';
import type { AuthService } from '../../auth/service.js';
import { principalOf } from './routes.js';

const codeBodySchema = z.object({ code: z.string().trim().min(6).max(32) });

export function twoFactorRoutes(deps: { twoFactor: TwoFactor; auth: AuthService }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/auth/2fa',
      {
        schema: {
          tags: ['auth'],
          summary: 'Two-factor status',
          response: { 200: z.object({ enabled: z.boolean(), remainingRecoveryCodes: z.number() }) },
        },
      },
      async (request) => {
        const { user } = principalOf(request);
        return {
          enabled: user.totp_enabled === 1,
          remainingRecoveryCodes: await deps.twoFactor.remainingRecoveryCodes(user.id),
        };
      },
    );
    app.post(
      '/auth/2fa/setup',
      {
        config: { audit: 'auth.2fa_setup' },
        schema: {
          tags: ['auth'],
          summary: 'Start two-factor setup: a secret and its QR code (SVG)',
          response: { 200: z.object({ secret: z.string(), uri: z.string(), qrSvg: z.string() }) },
        },
      },
      async (request) => {
        const { user } = principalOf(request);
        const result = await deps.twoFactor.begin(user);
        await deps.auth.forgetUser(user.id);
        return result;
      },
    );
    app.post(
      '/auth/2fa/enable',
      {
        config: { audit: 'auth.2fa_enable' },
        schema: {
          tags: ['auth'],
          summary: 'Confirm with a code from the app; returns ten recovery codes, shown once',
          body: codeBodySchema,
          response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const { user } = principalOf(request);
        const recoveryCodes = await deps.twoFactor.enable(user.id, request.body.code);
        await deps.auth.forgetUser(user.id);
        return { recoveryCodes };
      },
    );
    app.post(
      '/auth/2fa/disable',
      {
        config: { audit: 'auth.2fa_disable' },
        schema: {
          tags: ['auth'],
          summary: 'Turn two-factor off with a current code or a recovery code',
          body: codeBodySchema,
          response: { 200: okSchema },
        },
      },
      async (request) => {
        const { user } = principalOf(request);
        await deps.twoFactor.disable(user.id, request.body.code);
        await deps.auth.forgetUser(user.id);
        return { ok: true as const };
      },
    );
  };
}
