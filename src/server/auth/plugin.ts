import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DiwanError } from '../../contract/errors.js';
import type { AuditLog, AuditOutcome } from '../audit/audit-log.js';
import { sendError, sendPlainNotFound } from '../http/errors.js';
import { INVALID, type AuthService, type Principal } from './service.js';
import { safeEqual } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Whether errors may answer in Diwan's JSON shape: only once the caller showed credentials or
     * the entrance. Before that every error is the plain 404 (see http/errors.ts). */
    revealErrors: boolean;
    /** Set by sendPlainNotFound: the answer must stay bare, whatever a later hook adds. */
    plainNotFound: boolean;
  }
  interface FastifyContextConfig {
    /** Reachable without credentials (the short public list: health, the entrance, login). */
    public?: boolean;
    /** The audit action of a state-changing route; false when the route audits itself. */
    audit?: string | false;
  }
}

export const SESSION_COOKIE = 'diwan_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Security headers, built once and set with one call per response (a per-request helmet cost a
 * tenth of /healthz's throughput). A CSP without inline scripts; no framing; no sniffing; no referrer.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    // Style attributes (the UI library sets CSS variables inline); never inline scripts.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
/** All a user with a generated password may do. */
const PASSWORD_CHANGE_ROUTES = new Set([
  'GET /api/v1/auth/me',
  'HEAD /api/v1/auth/me',
  // The language of the page that asks for the new password.
  'PATCH /api/v1/auth/me',
  'POST /api/v1/auth/password',
  'POST /api/v1/auth/logout',
]);

/**
 * The perimeter. Without credentials every path that is not on the public list answers the same
 * plain 404 as a path that does not exist, so a scanner cannot tell a Diwan from any other server.
 * Bad or expired credentials: 401. A read-only token changing state, or a cookie-authenticated
 * change without the same origin and the CSRF token: 403. Every state-changing request is audited.
 * Runs on onRequest, before the body is read: unauthenticated bodies are never parsed.
 */
export async function registerPerimeter(
  app: FastifyInstance,
  auth: AuthService,
  audit: AuditLog,
): Promise<void> {
  await app.register(fastifyCookie);
  app.decorateRequest('principal', null);
  app.decorateRequest('revealErrors', false);
  app.decorateRequest('plainNotFound', false);

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    if (request.protocol === 'https')
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    // The common case costs no promise: a public route asked without any credential.
    if (request.routeOptions.config.public === true && !hasCredential(request)) return done();
    // A hook that has replied must not continue the request: the checks return the reply when they do.
    perimeter(request, reply).then((replied) => {
      if (replied === undefined) done();
    }, done);
  });

  async function perimeter(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (request.protocol === 'https')
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const isPublic = request.routeOptions.config.public === true;
    const resolved = await resolveCredentials(request, auth);
    if (resolved === INVALID) {
      if (isPublic) return; // a stale cookie must not stop a login
      request.revealErrors = true;
      return sendError(
        reply,
        new DiwanError(
          'DIWAN_E_UNAUTHORIZED',
          'Your session has ended or the token is not valid; log in again',
        ),
      );
    }
    request.principal = resolved;
    if (resolved) request.revealErrors = true;
    if (isPublic) return;
    if (!resolved) return sendPlainNotFound(reply);
    // A generated password is a key handed over: until its owner picks their own, a session opened
    // with it can do nothing but change it (so it cannot mint tokens that would outlive the change).
    if (
      resolved.via === 'session' &&
      resolved.user.must_change_password &&
      !PASSWORD_CHANGE_ROUTES.has(`${request.method} ${request.routeOptions.url}`)
    ) {
      return sendError(
        reply,
        new DiwanError(
          'DIWAN_E_PASSWORD_CHANGE_REQUIRED',
          'Choose your own password first (POST /api/v1/auth/password)',
        ),
      );
    }
    // Cross-site WebSocket hijacking (aaPanel 2021): a browser sends the cookie with an upgrade
    // from any site, but always with its Origin. A session's socket must come from this panel's
    // page; a token's (a program, which may send no Origin) must not claim another site.
    if (request.headers.upgrade?.toLowerCase() === 'websocket') {
      const origin = request.headers.origin;
      const allowed =
        origin === undefined
          ? resolved.via !== 'session'
          : origin === `${request.protocol}://${request.host}`;
      if (!allowed)
        return sendError(reply, new DiwanError('DIWAN_E_FORBIDDEN', 'Cross-origin WebSockets are refused'));
    }
    if (SAFE_METHODS.has(request.method)) return;
    if (resolved.scope !== 'admin') {
      return sendError(reply, new DiwanError('DIWAN_E_FORBIDDEN', 'This token may only read'));
    }
    if (resolved.via === 'session') {
      if (!isSameOrigin(request)) {
        return sendError(reply, new DiwanError('DIWAN_E_FORBIDDEN', 'Cross-origin requests are refused'));
      }
      const given = request.headers['x-csrf-token'];
      if (typeof given !== 'string' || !resolved.csrfToken || !safeEqual(given, resolved.csrfToken)) {
        return sendError(
          reply,
          new DiwanError(
            'DIWAN_E_FORBIDDEN',
            'The CSRF token is missing or wrong; reload the page',
            'x-csrf-token',
          ),
        );
      }
    }
  }

  // On send, not on response: the audit row is written before the client hears the change is done.
  app.addHook('onSend', (request, reply, payload, done) => {
    const action = request.routeOptions.config.audit;
    if (SAFE_METHODS.has(request.method) || action === false || !request.principal)
      return done(null, payload);
    recordChange(request, reply, action).then(() => done(null, payload), done);
  });

  async function recordChange(
    request: FastifyRequest,
    reply: FastifyReply,
    action: string | undefined,
  ): Promise<void> {
    const principal = request.principal!;
    const params = request.params as Record<string, string> | undefined;
    await audit.record({
      actorType: principal.via === 'token' ? 'token' : 'user',
      actorId: principal.via === 'token' ? principal.tokenId : principal.user.id,
      actorName: principal.user.username,
      ip: request.ip,
      action: action ?? `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      target: params?.id ?? params?.name ?? null,
      outcome: outcomeOf(reply.statusCode),
      requestId: request.id,
    });
  }
}

/** Whether the request carries anything that could be a Diwan credential. */
function hasCredential(request: FastifyRequest): boolean {
  return (
    request.headers.authorization !== undefined || request.headers.cookie?.includes(SESSION_COOKIE) === true
  );
}

export async function resolveCredentials(
  request: FastifyRequest,
  auth: AuthService,
): Promise<Principal | typeof INVALID | null> {
  // Only Diwan's own kinds of credential count; any other Authorization header (Basic, a stranger's
  // Bearer) is treated as none, so that scanners get the same plain 404 as everyone else.
  const bearer = /^Bearer (dwt_\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return auth.resolveToken(bearer, request.ip);
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? auth.resolveSession(cookie) : null;
}

/** Origin (or, from browsers that send none, Sec-Fetch-Site) must say the request came from this panel. */
export function isSameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) return origin === `${request.protocol}://${request.host}`;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  return status === 401 || status === 403 || status === 404 ? 'denied' : 'failure';
}
