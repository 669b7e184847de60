import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ipMatcher } from '../auth/ip-allow-list.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Keeps the X-Request-Id of a trusted reverse proxy when it is plain (so the proxy's id links the
 * logs); anyone else gets a new id, so a client cannot pass itself off as another request in the
 * logs and the audit log.
 */
export function requestIdFor(trustedProxies: readonly string[]) {
  const isTrusted = ipMatcher(trustedProxies);
  return (request: IncomingMessage): string => {
    const given = request.headers['x-request-id'];
    if (given === undefined) return randomUUID();
    const peer = request.socket.remoteAddress;
    const trusted = peer !== undefined && trustedProxies.length > 0 && isTrusted(peer);
    return trusted && typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  };
}
