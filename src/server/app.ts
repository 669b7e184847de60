import { hostname } from 'node:os';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
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
import { registerErrorHandling, sendPlainNotFound } from './http/errors.js';
import { DiwanLogController } from './http/log-controller.js';
import { registerMetrics, registerReadinessMetric } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { requestIdFor } from './http/request-id.js';
import { trackRoutes } from './http/route-table.js';
import { responseSerializerCompiler } from './http/serializer.js';
import { createLogger, type Logger } from './logger.js';
import type { AttemptLimiter } from './auth/attempts.js';
import { registerPerimeter } from './auth/plugin.js';
import { createPanelServices, type PanelServices } from './services.js';
import { auditRoutes } from './features/audit/routes.js';
import { authRoutes } from './features/auth/routes.js';
import { twoFactorRoutes } from './features/auth/two-factor-routes.js';
import { tokenRoutes } from './features/tokens/routes.js';
import { entranceRoutes } from './features/entrance/routes.js';
import { DEFAULT_WEB_DIR, loadSpaFiles } from './features/entrance/spa-files.js';
import { settingsRoutes } from './features/settings/routes.js';
import { systemRoutes } from './features/system/routes.js';
import { inProcessAgent, socketAgent, type AgentClient } from './agent/client.js';
import { agentCheck } from './features/health/checks.js';
import fastifyWebsocket from '@fastify/websocket';
import { LIVE_MAX_MESSAGE_BYTES } from '../contract/live.js';
import { liveRoutes } from './features/live/routes.js';
import { createDashboardHub } from './features/dashboard/hub.js';
import { websiteRoutes } from './features/websites/routes.js';
import { createCertificateStore, createWebsiteStore } from './features/websites/store.js';
import { certificateRoutes } from './features/websites/certificate-routes.js';
import { createCertificateService } from './features/websites/certificate-service.js';
import { taskRoutes } from './features/tasks/routes.js';
import { softwareRoutes } from './features/software/routes.js';
import { createTaskRunner, type TaskRunner } from './tasks/task-runner.js';
import { createTaskStore } from './tasks/task-store.js';
import { databaseRoutes } from './features/databases/routes.js';
import { createDatabaseService, panelDatabaseOf } from './features/databases/service.js';
import { serverAddressOf } from './db/url.js';
import { createDatabaseStore } from './features/databases/store.js';
import { databaseTransferRoutes } from './features/databases/transfer-routes.js';
import { redisRoutes } from './features/redis/routes.js';
import { createDatabaseTransfers } from './features/databases/transfers.js';

export interface AppDeps {
  /** The panel database; the app owns it from here on and closes it when the app closes. */
  panelDb: PanelDb;
  /** The clock (epoch ms); tests inject one to move time. */
  now?: () => number;
  /** Failed-login counters; in memory unless several instances share Redis. */
  limiter?: AttemptLimiter;
  /** The service graph, when the caller (tests, CLI) built it already over the same database. */
  services?: PanelServices;
  /** The privileged agent; by default in this process outside production, its socket in production. */
  agent?: AgentClient;
  logger?: Logger;
  /** Runs long work as tasks; tests pass one to submit work of their own. */
  tasks?: TaskRunner;
  /** Readiness checks beyond the database's own (the agent, once it exists). */
  readinessChecks?: ReadinessCheck[];
  /** The built SPA (`vite build` output); `dist/web` of this package by default. */
  webDir?: string;
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
    genReqId: requestIdFor(config.trustedProxies),
    logController: new DiwanLogController(),
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Keep-alive sockets that sit idle must not hold a graceful shutdown open.
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    // Errors Fastify raises before any hook runs (a malformed URL): the plain 404 like any unknown
    // path, never Fastify's own JSON, which would name the framework.
    frameworkErrors: (_error, _request, reply) => {
      void sendPlainNotFound(reply as unknown as FastifyReply);
    },
  }).withTypeProvider<ZodTypeProvider>();

  const panel = deps.services ?? createPanelServices(config, deps, logger);
  const agent = deps.agent ?? (await defaultAgent(config, deps.panelDb, logger));
  const tasks =
    deps.tasks ??
    createTaskRunner({
      store: createTaskStore(deps.panelDb.db),
      events: panel.events,
      logger,
      now: panel.now,
      // In tests many apps share one panel database and one configured address.
      instance: config.env === 'test' ? undefined : `${hostname()} ${config.host}:${config.port}`,
    });
  trackRoutes(app);
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
    // The plain 404 carries nothing that tells Diwan apart from any other server.
    if (request.plainNotFound) {
      for (const name of Object.keys(reply.getHeaders())) {
        if (name !== 'content-type' && name !== 'content-length') reply.removeHeader(name);
      }
    } else {
      reply.header('x-request-id', request.id);
    }
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // At start-up: the tasks an instance that died left unfinished are marked interrupted.
  // A database that is not there yet must not stop the start (/readyz reports it); the heartbeat
  // sweeps again every few seconds.
  app.addHook('onReady', async () => {
    await tasks
      .sweepStale()
      .catch((error: unknown) => logger.warn({ err: error }, 'cannot sweep stale tasks yet'));
  });
  const dashboard = createDashboardHub({ agent, logger: app.log });
  app.addHook('onClose', async () => {
    dashboard.close();
    await tasks.close(config.shutdownTimeoutMs);
    await agent.close();
    await panel.events.close();
    await deps.panelDb.close();
  });

  const metrics = registerMetrics(app, {
    panelDb: deps.panelDb,
    token: config.metricsToken,
    trustedProxies: config.trustedProxies,
  });
  registerOpenApi(app);

  const checks: ReadinessCheck[] = [
    databaseCheck(deps.panelDb),
    migrationsCheck(deps.panelDb),
    agentCheck(agent),
    ...(deps.readinessChecks ?? []),
  ];
  registerReadinessMetric(metrics, checks);
  // Before the perimeter: its onRequest hook marks upgrade requests, so that the socket of an upgrade
  // the perimeter refuses is destroyed once the refusal is sent (otherwise it stays open).
  await app.register(fastifyWebsocket, { options: { maxPayload: LIVE_MAX_MESSAGE_BYTES } });
  await registerPerimeter(app, panel.auth, panel.audit);

  await app.register(healthRoutes(checks));
  await app.register(entranceRoutes({ auth: panel.auth, spa: loadSpaFiles(deps.webDir ?? DEFAULT_WEB_DIR) }));
  await app.register(
    async (api) => {
      await api.register(metaRoutes);
      await api.register(authRoutes(panel));
      await api.register(twoFactorRoutes(panel));
      await api.register(tokenRoutes(panel));
      await api.register(auditRoutes(panel));
      await api.register(settingsRoutes(panel));
      await api.register(systemRoutes({ agent }));
      await api.register(taskRoutes({ tasks }));
      await api.register(softwareRoutes({ agent, tasks }));
      const websiteStore = createWebsiteStore(deps.panelDb.db, panel.now);
      const certificateStore = createCertificateStore(deps.panelDb.db, panel.now);
      await api.register(
        websiteRoutes({
          agent,
          tasks,
          store: websiteStore,
          certificates: certificateStore,
          webRoot: config.websites.webRoot,
        }),
      );
      const certificates = createCertificateService({
        agent,
        tasks,
        sites: websiteStore,
        certificates: certificateStore,
        audit: panel.audit,
        logger,
        now: panel.now,
      });
      await api.register(certificateRoutes({ certificates }));
      // The daily renewal sweep, like the tasks' heartbeat: a timer of this instance, stopped on close.
      let stopRenewals: (() => void) | null = null;
      // (Tests run the sweep themselves, when they mean to.)
      api.addHook('onReady', async () => {
        if (config.env !== 'test') stopRenewals = certificates.start();
      });
      api.addHook('onClose', async () => stopRenewals?.());
      await api.register(liveRoutes({ tasks, auth: panel.auth, dashboard, agent }));
      const databaseStore = createDatabaseStore(deps.panelDb.db, panel.now);
      await api.register(
        databaseRoutes({
          databases: createDatabaseService({
            store: databaseStore,
            agent,
            box: panel.box,
            panelDatabase: panelDatabaseOf(config.database, (url) => serverAddressOf(url).database),
          }),
        }),
      );
      await api.register(
        databaseTransferRoutes({
          transfers: createDatabaseTransfers({
            store: databaseStore,
            agent,
            tasks,
            dataDir: config.dataDir,
            now: panel.now,
          }),
        }),
      );
      await api.register(redisRoutes({ agent }));
    },
    { prefix: '/api/v1' },
  );
  return app;
}

/**
 * Production talks to the root agent over its socket. Development and tests run the agent in this
 * process, behind the same dispatcher (validation, authorization, timeouts) as the socket server.
 */
async function defaultAgent(config: Config, panelDb: PanelDb, logger: Logger): Promise<AgentClient> {
  if (config.env === 'production') return socketAgent(config.agentSocket);
  // Loaded only here: the production web tier never holds the agent's code.
  const { createAgent } = await import('../agent/agent.js');
  const agent = createAgent(config, { panelDb, logger });
  return inProcessAgent(agent.dispatch, () => agent.close());
}
