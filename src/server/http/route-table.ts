import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
  public: boolean;
  websocket: boolean;
  /** The response schemas by status, as declared (zod schemas from the contract). */
  responses: Record<string, unknown>;
}

const tables = new WeakMap<object, RouteEntry[]>();

/** Records every route as it is added, so a test can walk all of them (new routes included). */
export function trackRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      table.push({
        method,
        url: route.url,
        public: route.config?.public === true,
        websocket: (route as { websocket?: boolean }).websocket === true,
        responses: (route.schema?.response ?? {}) as Record<string, unknown>,
      });
    }
  });
}

export function routesOf(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}
