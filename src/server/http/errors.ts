import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DiwanError, type ErrorBody, type ErrorCode } from '../../contract/errors.js';

const statusByCode: Record<ErrorCode, number> = {
  DIWAN_E_VALIDATION: 400,
  DIWAN_E_BAD_REQUEST: 400,
  DIWAN_E_BODY_TOO_LARGE: 413,
  DIWAN_E_UNSUPPORTED_MEDIA_TYPE: 415,
  DIWAN_E_NOT_FOUND: 404,
  DIWAN_E_UNAUTHORIZED: 401,
  DIWAN_E_FORBIDDEN: 403,
  DIWAN_E_CONFLICT: 409,
  DIWAN_E_RATE_LIMITED: 429,
  DIWAN_E_LOCKED_OUT: 429,
  DIWAN_E_TOTP_REQUIRED: 401,
  DIWAN_E_PASSWORD_CHANGE_REQUIRED: 403,
  DIWAN_E_CANCELLED: 409,
  DIWAN_E_UNAVAILABLE: 503,
  // The request was fine; a program on the host that the agent drives failed, as an upstream would.
  DIWAN_E_HOST_COMMAND: 502,
  DIWAN_E_INTERNAL: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code];
}

/** Maps anything thrown by a route, a hook or Fastify itself to Diwan's one error shape. */
export function toDiwanError(error: unknown): DiwanError {
  if (error instanceof DiwanError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const context = (error as { validationContext?: string }).validationContext ?? 'body';
    const path = first?.instancePath.split('/').filter(Boolean).join('.') ?? '';
    const field = path === '' ? context : path;
    return new DiwanError('DIWAN_E_VALIDATION', `${field}: ${first?.message ?? 'invalid value'}`, field);
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DiwanError('DIWAN_E_BODY_TOO_LARGE', 'The request body is larger than this server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DiwanError('DIWAN_E_UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DiwanError('DIWAN_E_BAD_REQUEST', 'The request body is not valid JSON', 'body');
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new DiwanError('DIWAN_E_BAD_REQUEST', 'The request body is not valid JSON', 'body');
  }
  if (
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return new DiwanError('DIWAN_E_BAD_REQUEST', 'The request could not be understood');
  }
  return new DiwanError('DIWAN_E_INTERNAL', 'Something went wrong on the server; the log has the details');
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const diwanError = toDiwanError(error);
    const status = httpStatusOf(diwanError.code);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: diwanError.code, field: diwanError.field }, diwanError.message);
    // Before the caller showed credentials or the entrance, an error must not reveal the panel.
    if (!request.revealErrors) return sendPlainNotFound(reply);
    return sendError(reply, diwanError);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      new DiwanError('DIWAN_E_NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}

/**
 * The same bare 404 for every path: no JSON, no request id, no security headers (their exact set
 * would name the panel), nothing but what any web server sends.
 */
export function sendPlainNotFound(reply: FastifyReply): FastifyReply {
  reply.request.revealErrors = false;
  reply.request.plainNotFound = true;
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  return reply.code(404).type('text/plain; charset=utf-8').send('Not Found\n');
}

export function sendError(reply: FastifyReply, error: DiwanError): FastifyReply {
  const body: ErrorBody = error.toBody();
  return reply.code(httpStatusOf(error.code)).type('application/json; charset=utf-8').send(body);
}
