import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AuthService } from '../../auth/service.js';
import { sendPlainNotFound } from '../../http/errors.js';
import { loginCss, loginJs, loginPageHtml } from './login-page.js';

function languageOf(request: FastifyRequest): 'en' | 'ar' {
  const asked = (request.query as { lang?: string }).lang;
  if (asked === 'ar' || asked === 'en') return asked;
  return /^\s*ar\b/i.test(request.headers['accept-language'] ?? '') ? 'ar' : 'en';
}

/**
 * The security entrance: `/<entrance>` serves the login page and its two files; any other path
 * answers the plain 404, so the page exists only for someone who knows the secret path.
 */
/** What could be a guess at the entrance (favicon.ico, robots.txt and the like cannot). */
const ENTRANCE_LIKE = /^[A-Za-z0-9_-]{8,64}$/;

export function entranceRoutes(deps: { auth: AuthService }): FastifyPluginAsync {
  return async (app) => {
    // Guesses at the entrance count against the guesser's address like failed logins, and a locked
    // address is refused without comparing; a browser's own requests (favicon.ico) do not count.
    const isEntrance = async (segment: string, ip: string) =>
      ENTRANCE_LIKE.test(segment) ? deps.auth.checkEntrance(segment, ip) : false;
    app.get<{ Params: { entrance: string } }>(
      '/:entrance',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        if (!(await isEntrance(request.params.entrance, request.ip))) return sendPlainNotFound(reply);
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(loginPageHtml(languageOf(request), request.params.entrance));
      },
    );
    app.get<{ Params: { entrance: string; file: string } }>(
      '/:entrance/:file',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        const { entrance, file } = request.params;
        if (file !== 'login.js' && file !== 'login.css') return sendPlainNotFound(reply);
        if (!(await isEntrance(entrance, request.ip))) return sendPlainNotFound(reply);
        return reply
          .type(file === 'login.js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
          .send(file === 'login.js' ? loginJs : loginCss);
      },
    );
  };
}
