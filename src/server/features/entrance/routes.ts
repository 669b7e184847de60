import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../auth/service.js';
import { sendPlainNotFound } from '../../http/errors.js';
import type { SpaFiles } from './spa-files.js';

/** What could be a guess at the entrance (favicon.ico, robots.txt and the like cannot). */
const ENTRANCE_LIKE = /^[A-Za-z0-9_-]{8,64}$/;
/** The SPA's pages (src/web/app/Shell.tsx): reloading or sharing one of these URLs opens it. */
const CLIENT_ROUTES = [
  'dashboard',
  'websites',
  'websites/:id',
  'databases',
  'databases/:id',
  'software',
  'audit',
  'settings',
  'settings/:tab',
] as const;
const IMMUTABLE = 'public, max-age=31536000, immutable';

function languageOf(request: FastifyRequest): 'en' | 'ar' {
  return /^\s*ar\b/i.test(request.headers['accept-language'] ?? '') ? 'ar' : 'en';
}

/**
 * The security entrance serves the web interface (the SPA of src/web): `/<entrance>` and its client
 * pages (`/<entrance>/settings`) get index.html, `/<entrance>/assets/<file>` the hashed files. Any
 * other path, and every path under a wrong entrance, answers the plain 404: the interface exists only
 * for someone who knows the secret path.
 */
export function entranceRoutes(deps: { auth: AuthService; spa: SpaFiles }): FastifyPluginAsync {
  return async (app) => {
    // Guesses at the entrance count against the guesser's address like failed logins, and a locked
    // address is refused without comparing; a browser's own requests (favicon.ico) do not count.
    const isEntrance = async (segment: string, ip: string) =>
      ENTRANCE_LIKE.test(segment) ? deps.auth.checkEntrance(segment, ip) : false;

    // A caller with credentials gets the API's own 404 (JSON, request id) for a path that is not an
    // entrance; everyone else the plain one.
    const notFound = (request: FastifyRequest, reply: FastifyReply) =>
      request.revealErrors ? reply.callNotFound() : sendPlainNotFound(reply);

    const sendIndex = (request: FastifyRequest, reply: FastifyReply, entrance: string) => {
      const html = deps.spa.index(entrance, languageOf(request));
      if (html === null) {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The web interface is not built: run npm run build\n');
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    };

    app.get<{ Params: { entrance: string } }>(
      '/:entrance',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        if (!(await isEntrance(request.params.entrance, request.ip))) return notFound(request, reply);
        return sendIndex(request, reply, request.params.entrance);
      },
    );
    // The SPA's own pages, by name: a wildcard would also catch every unknown path of two segments.
    for (const page of CLIENT_ROUTES) {
      app.get<{ Params: { entrance: string } }>(
        `/:entrance/${page}`,
        { config: { public: true }, schema: { hide: true } },
        async (request, reply) => {
          if (!(await isEntrance(request.params.entrance, request.ip))) return notFound(request, reply);
          return sendIndex(request, reply, request.params.entrance);
        },
      );
    }
    app.get<{ Params: { entrance: string; file: string } }>(
      '/:entrance/assets/:file',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        const asset = deps.spa.asset(request.params.file);
        if (!asset) return notFound(request, reply);
        if (!(await isEntrance(request.params.entrance, request.ip))) return notFound(request, reply);
        reply.type(asset.type).header('cache-control', IMMUTABLE).header('vary', 'accept-encoding');
        if (asset.gzip && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
          return reply.header('content-encoding', 'gzip').send(asset.gzip);
        }
        return reply.send(asset.body);
      },
    );
  };
}
