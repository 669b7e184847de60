import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { metaSchema } from '../../../contract/health.js';
import { version } from '../../version.js';

export const metaRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/meta',
    { schema: { tags: ['meta'], summary: 'Name and version of this Diwan', response: { 200: metaSchema } } },
    async () => ({ name: 'diwan' as const, version, apiVersion: 'v1' as const }),
  );
};
