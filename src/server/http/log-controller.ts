import { LogController, type FastifyRequest } from 'fastify';

/**
 * One log line per request (its completion, with status and duration) instead of Fastify's two: half
 * the log volume on a small disk, and the completion line carries everything the first one did.
 */
export class DiwanLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }
}
