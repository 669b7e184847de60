import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { version } from '../version.js';

/**
 * OpenAPI 3.1 generated from the zod schemas on the routes (the contract), served as JSON at
 * /api/docs/json with a browsable UI at /api/docs. Must be registered before the routes it describes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Diwan API',
        description:
          'The control panel API. Every change to the host goes through it; the UI and the CLI use it too.',
        version,
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'meta', description: 'About this Diwan' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // The panel's own CSP covers the docs too (no inline scripts there either); a CSP of its own would
  // set the docs' answers apart from every other path.
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: false });
}
