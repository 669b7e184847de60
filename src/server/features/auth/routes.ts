import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changePasswordBodySchema,
  idParamsSchema,
  loginBodySchema,
  meSchema,
  mePatchSchema,
  okSchema,
  sessionSchema,
  type Me,
} from '../../../contract/auth.js';
import { DiwanError } from '../../../contract/errors.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { SESSION_COOKIE } from '../../auth/plugin.js';
import type { AuthService, Principal } from '../../auth/service.js';
import type { AttemptLimiter } from '../../auth/attempts.js';
import type { SessionsStore } from '../../auth/sessions-store.js';
import type { UsersStore } from '../../auth/users-store.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { sendPlainNotFound } from '../../http/errors.js';

export interface AuthRoutesDeps {
  auth: AuthService;
  limiter: AttemptLimiter;
  users: UsersStore;
  sessions: SessionsStore;
  audit: AuditLog;
  now: () => number;
}

export function meOf(principal: Principal): Me {
  const { user } = principal;
  return {
    user: {
      id: user.id,
      username: user.username,
      locale: user.locale,
      totpEnabled: user.totp_enabled === 1,
      mustChangePassword: user.must_change_password === 1,
    },
    via: principal.via,
    scope: principal.scope,
    csrfToken: principal.csrfToken,
  };
}

/** The principal of a route behind the perimeter (which answered 404 when there was none). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new DiwanError('DIWAN_E_UNAUTHORIZED', 'Log in first');
  return request.principal;
}

export function authRoutes(deps: AuthRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/auth/login',
      {
        config: { public: true, audit: false },
        // Validated by hand after the entrance: until then every answer is the plain 404.
        attachValidation: true,
        schema: {
          tags: ['auth'],
          summary: 'Log in (answers 404 unless the body carries the security entrance)',
          body: loginBodySchema,
          response: { 200: meSchema },
        },
      },
      async (request, reply) => {
        const raw = request.body as Partial<Record<string, unknown>> | undefined;
        const entrance = typeof raw?.entrance === 'string' ? raw.entrance : '';
        if (!(await deps.auth.checkEntrance(entrance, request.ip))) return sendPlainNotFound(reply);
        request.revealErrors = true;
        if (request.validationError) throw request.validationError;
        // A browser that logs in again leaves its previous session behind: end it.
        const previous = request.cookies[SESSION_COOKIE];
        if (previous) await deps.auth.endSessionByToken(previous);
        const result = await deps.auth.login(request.body, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          requestId: request.id,
        });
        setSessionCookie(reply, request, result.token, result.session.expires_at - deps.now());
        return meOf(result.principal);
      },
    );

    app.post(
      '/auth/logout',
      {
        config: { audit: 'auth.logout' },
        schema: { tags: ['auth'], summary: 'Log out', response: { 200: okSchema } },
      },
      async (request, reply) => {
        await deps.auth.logout(principalOf(request));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { ok: true as const };
      },
    );

    app.get(
      '/auth/me',
      { schema: { tags: ['auth'], summary: 'Who is calling', response: { 200: meSchema } } },
      async (request) => meOf(principalOf(request)),
    );

    app.patch(
      '/auth/me',
      {
        config: { audit: 'auth.preferences' },
        schema: {
          tags: ['auth'],
          summary: 'Change my preferences (the language of the interface)',
          body: mePatchSchema,
          response: { 200: meSchema },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        await deps.users.setLocale(principal.user.id, request.body.locale);
        await deps.auth.forgetUser(principal.user.id);
        return meOf({ ...principal, user: { ...principal.user, locale: request.body.locale } });
      },
    );

    app.get(
      '/auth/sessions',
      {
        schema: { tags: ['auth'], summary: 'My active sessions', response: { 200: z.array(sessionSchema) } },
      },
      async (request) => {
        const principal = principalOf(request);
        const rows = await deps.sessions.listActive(principal.user.id, deps.now());
        return rows.map((row) => ({
          id: row.id,
          ip: row.ip,
          userAgent: row.user_agent,
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
          current: row.id === principal.sessionId,
        }));
      },
    );

    app.delete(
      '/auth/sessions/:id',
      {
        config: { audit: 'auth.session_revoke' },
        schema: {
          tags: ['auth'],
          summary: 'Revoke one of my sessions',
          params: idParamsSchema,
          response: { 200: okSchema },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        if (!(await deps.auth.revokeSession(principal.user.id, request.params.id))) {
          throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such active session', 'id');
        }
        return { ok: true as const };
      },
    );

    app.post(
      '/auth/sessions/revoke-others',
      {
        config: { audit: 'auth.sessions_revoke_others' },
        schema: {
          tags: ['auth'],
          summary: 'Log out everywhere else',
          response: { 200: z.object({ revoked: z.number() }) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return { revoked: await deps.auth.revokeOtherSessions(principal.user.id, principal.sessionId) };
      },
    );

    app.post(
      '/auth/password',
      {
        config: { audit: 'auth.password_change' },
        schema: {
          tags: ['auth'],
          summary: 'Change my password (logs out my other sessions)',
          body: changePasswordBodySchema,
          response: { 200: okSchema },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        // A stolen session must not be a way to guess the password: wrong ones count like failed logins.
        if (!(await deps.limiter.reserve(`user:${principal.user.username}`)).allowed) {
          throw new DiwanError('DIWAN_E_LOCKED_OUT', 'Too many wrong passwords: try again in 15 minutes');
        }
        if (!(await verifyPassword(principal.user.password_hash, request.body.currentPassword))) {
          throw new DiwanError('DIWAN_E_VALIDATION', 'The current password is wrong', 'currentPassword');
        }
        if (request.body.newPassword === request.body.currentPassword) {
          throw new DiwanError(
            'DIWAN_E_VALIDATION',
            'The new password must differ from the current one',
            'newPassword',
          );
        }
        await deps.users.setPassword(principal.user.id, await hashPassword(request.body.newPassword), false);
        await deps.limiter.reset(`user:${principal.user.username}`);
        await deps.auth.forgetUser(principal.user.id);
        await deps.auth.revokeOtherSessions(principal.user.id, principal.sessionId);
        return { ok: true as const };
      },
    );
  };
}

function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  token: string,
  maxAgeMs: number,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}
