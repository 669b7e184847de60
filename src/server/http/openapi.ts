import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { version } from '../version.js';

export const DOCS_PREFIX = '/api/docs';

interface DescribedRoute {
  method: RouteOptions['method'];
  url: string;
  schema: RouteOptions['schema'];
}

/** The answer headers of the docs that are passed on; the panel's own hooks add the rest. */
const FORWARDED_HEADERS = ['content-type', 'location', 'cache-control', 'etag', 'last-modified'];

/**
 * OpenAPI 3.1 generated from the zod schemas on the routes (the contract), served as JSON at
 * /api/docs/json with a browsable UI at /api/docs. Must be registered before the routes it describes.
 *
 * Only developers open these pages, so nothing of them is built at start-up: the routes are
 * recorded as they are added, and the first request under /api/docs builds a small Fastify instance
 * of its own with @fastify/swagger and its UI (and the hundred modules they load), declares the
 * recorded routes there, and answers from it. The panel's routes stay in front: the perimeter,
 * headers and logs of /api/docs are the panel's like any other path's.
 */
export function registerOpenApi(app: FastifyInstance): void {
  const routes: DescribedRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(DOCS_PREFIX)) return;
    // HEAD routes are Fastify's own copies of GET routes; the document leaves them out.
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
      (method) => method !== 'HEAD',
    );
    if (methods.length > 0) routes.push({ method: methods, url: route.url, schema: route.schema });
  });

  let docs: Promise<FastifyInstance> | undefined;
  const forward = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    docs ??= buildDocsApp(routes).catch((error: unknown) => {
      docs = undefined; // the next request tries again
      throw error;
    });
    const answer = await (await docs).inject({ method: 'GET', url: request.url }); // Fastify drops the body of a HEAD answer itself
    if (answer.statusCode === 404) return reply.callNotFound();
    reply.code(answer.statusCode);
    for (const name of FORWARDED_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    return reply.send(answer.rawPayload.length > 0 ? answer.rawPayload : undefined);
  };
  for (const url of [DOCS_PREFIX, `${DOCS_PREFIX}/*`]) {
    app.route({ method: 'GET', url, schema: { hide: true }, handler: forward });
  }
}

async function buildDocsApp(routes: readonly DescribedRoute[]): Promise<FastifyInstance> {
  const [{ default: fastifySwagger }, { default: fastifySwaggerUi }] = await Promise.all([
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const docs = Fastify({ logger: false, exposeHeadRoutes: false });
  // The routes are declared only to be described: nothing is validated or serialized here.
  docs.setValidatorCompiler(() => () => true);
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await docs.register(fastifySwagger, {
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
  await docs.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: false });
  const described = (): undefined => undefined;
  for (const route of routes) docs.route({ ...route, handler: described });
  await docs.ready();
  return docs;
}
