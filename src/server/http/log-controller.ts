import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

const SLOW_REQUEST_MS = 1000;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * One line per request, written when it completes, with method, path (never the query string, which
 * can carry tokens), status and duration. Behind the reverse proxy nginx already logs every access,
 * so at info Diwan logs what an operator looks for: every change, every failure and every slow
 * request; successful reads log at debug. (A line per read cost over a quarter of /healthz's
 * throughput; see scripts/bench/foundation.ts.)
 */
export class DiwanLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {
    // Folded into requestCompleted.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      path: request.url.split('?', 1)[0],
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    };
    if (error) {
      reply.log.error({ ...line, err: error }, 'request errored');
    } else if (READS.has(request.method) && reply.statusCode < 400 && reply.elapsedTime < SLOW_REQUEST_MS) {
      reply.log.debug(line, 'request completed');
    } else {
      reply.log.info(line, 'request completed');
    }
  }
}
