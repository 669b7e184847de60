import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { SecuritySettingsHandle } from '../../auth/security-settings.js';
import { safeEqual } from '../../auth/tokens.js';
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
export function entranceRoutes(deps: { security: SecuritySettingsHandle }): FastifyPluginAsync {
  return async (app) => {
    const isEntrance = async (segment: string) =>
      safeEqual(segment, (await deps.security.current()).entrance);
    app.get<{ Params: { entrance: string } }>(
      '/:entrance',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        if (!(await isEntrance(request.params.entrance))) return sendPlainNotFound(reply);
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
        if (!(await isEntrance(entrance)) || (file !== 'login.js' && file !== 'login.css'))
          return sendPlainNotFound(reply);
        return reply
          .type(file === 'login.js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
          .send(file === 'login.js' ? loginJs : loginCss);
      },
    );
  };
}
