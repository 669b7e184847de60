import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PanelDb } from '../db/connection.js';
import { runReadiness, type ReadinessCheck } from '../features/health/checks.js';
import { isLocalRequest } from './client-address.js';
import { ipMatcher } from '../auth/ip-allow-list.js';
import { sendPlainNotFound } from './errors.js';

export interface MetricsOptions {
  panelDb: PanelDb;
  /** Allows /metrics beyond loopback to `Authorization: Bearer <token>`. */
  token: string | null;
  trustedProxies: readonly string[];
}

/**
 * Prometheus metrics: the process (CPU, memory, event loop, GC), HTTP request durations by route
 * pattern and status, and the panel database pool. One registry per app, so that tests can build
 * several apps in one process.
 */
export function registerMetrics(
  app: FastifyInstance,
  { panelDb, token, trustedProxies }: MetricsOptions,
): Registry {
  const registry = new Registry();

  const duration = new Histogram({
    name: 'diwan_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'diwan_db_pool_connections',
    help: 'Panel database pool connections by state (max is the configured size)',
    labelNames: ['dialect', 'state'] as const,
    registers: [registry],
    collect() {
      const stats = panelDb.poolStats();
      for (const state of ['max', 'total', 'idle', 'waiting'] as const) {
        this.set({ dialect: panelDb.dialect, state }, stats[state]);
      }
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: unmatched paths would otherwise grow the series forever.
    // A plain 404 from the entrance's catch-all routes is a miss like any other.
    const route =
      request.plainNotFound || request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  const expected = token === null ? null : digest(token);
  const isTrustedProxy = ipMatcher(trustedProxies);
  // Public to the perimeter: its own rule (loopback without a proxy header, or the token) applies.
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined && expected !== null) {
      const given = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : '';
      // A wrong token gets the same plain 404 as anyone: no answer may say a panel is here.
      if (!timingSafeEqual(digest(given), expected)) return sendPlainNotFound(reply);
    } else if (!isLocalRequest(request, isTrustedProxy)) {
      return sendPlainNotFound(reply);
    }
    reply.type(registry.contentType);
    return `${await processRegistry().metrics()}\n${await registry.metrics()}`;
  });
  return registry;
}

/**
 * `diwan_readiness_check{check}`: 1 when the check passes at scrape time, 0 when it fails, so that an
 * alert can say which dependency /readyz is waiting for (deploy/prometheus/alerts.yml).
 */
export function registerReadinessMetric(registry: Registry, checks: readonly ReadinessCheck[]): void {
  new Gauge({
    name: 'diwan_readiness_check',
    help: 'Readiness checks at scrape time (1 passes, 0 fails), as /readyz runs them',
    labelNames: ['check'] as const,
    registers: [registry],
    async collect() {
      const readiness = await runReadiness(checks, () => undefined);
      for (const [check, result] of Object.entries(readiness.checks)) {
        this.set({ check }, result.status === 'ok' ? 1 : 0);
      }
    },
  });
}

let processMetrics: Registry | null = null;

/**
 * CPU, memory, event loop and GC belong to the process, not to an app: one registry per process,
 * created once, because prom-client's monitors cannot be stopped and one per app would leak.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'diwan_' });
  }
  return processMetrics;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
