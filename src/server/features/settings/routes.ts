import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { securitySettingsPatchSchema, securitySettingsSchema } from '../../../contract/settings.js';
import type { SecuritySettingsHandle } from '../../auth/security-settings.js';

export function settingsRoutes(deps: { security: SecuritySettingsHandle }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/settings/security',
      {
        schema: {
          tags: ['settings'],
          summary: 'The security entrance and session timeouts',
          response: { 200: securitySettingsSchema },
        },
      },
      async (request) => {
        const settings = await deps.security.current();
        // The entrance is a secret of administrators: a read-only token sees that there is one.
        return request.principal?.scope === 'admin' ? settings : { ...settings, entrance: '********' };
      },
    );
    app.patch(
      '/settings/security',
      {
        config: { audit: 'settings.security' },
        schema: {
          tags: ['settings'],
          summary: 'Change the entrance or the session timeouts (the new entrance works at once)',
          body: securitySettingsPatchSchema,
          response: { 200: securitySettingsSchema },
        },
      },
      async (request) => deps.security.update(request.body),
    );
  };
}
