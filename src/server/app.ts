import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config/types.js';
import type { PanelDb } from './db/connection.js';
import { databaseCheck, migrationsCheck, type ReadinessCheck } from './features/health/checks.js';
import { healthRoutes } from './features/health/routes.js';
import { metaRoutes } from './features/meta/routes.js';
import { registerErrorHandling } from './http/errors.js';
import { DiwanLogController } from './http/log-controller.js';
import { registerMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { requestIdFor } from './http/request-id.js';
import { responseSerializerCompiler } from './http/serializer.js';
import { createLogger, type Logger } from './logger.js';

export interface AppDeps {
  /** The panel database; the app owns it from here on and closes it when the app closes. */
  panelDb: PanelDb;
  logger?: Logger;
  /** Readiness checks beyond the database's own (the agent, once it exists). */
  readinessChecks?: ReadinessCheck[];
}

export type DiwanApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * The composition root: one Fastify app built from its parts, used alike by `diwan serve`, the tests
 * and the CLI. Builds and wires; starts nothing (the caller listens).
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<DiwanApp> {
  const logger = deps.logger ?? createLogger(config);
  const app: DiwanApp = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    genReqId: requestIdFor,
    logController: new DiwanLogController(),
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Keep-alive sockets that sit idle must not hold a graceful shutdown open.
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler(config.env));
  registerErrorHandling(app);
  // While closing, answers carry `Connection: close`: a keep-alive client would otherwise hold its
  // socket, and the shutdown, open until Node's keep-alive timeout. (Callback hooks: no promise per
  // request on the hot path.)
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => {
    await deps.panelDb.close();
  });

  registerMetrics(app, { panelDb: deps.panelDb, token: config.metricsToken });
  await registerOpenApi(app);

  const checks = [
    databaseCheck(deps.panelDb),
    migrationsCheck(deps.panelDb),
    ...(deps.readinessChecks ?? []),
  ];
  await app.register(healthRoutes(checks));
  await app.register(metaRoutes, { prefix: '/api/v1' });
  return app;
}
