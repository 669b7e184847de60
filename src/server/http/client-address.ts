import type { FastifyRequest } from 'fastify';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * A request is local when its peer is loopback, the peer is not one of the trusted reverse proxies
 * (behind the proxy every request arrives from 127.0.0.1, and a proxy need not add any header), and
 * no forwarding header says it came from somewhere else.
 */
export function isLocalRequest(request: FastifyRequest, isTrustedProxy: (ip: string) => boolean): boolean {
  const headers = request.headers;
  const relayed =
    headers['x-forwarded-for'] !== undefined ||
    headers['forwarded'] !== undefined ||
    headers['x-real-ip'] !== undefined;
  const peer = request.socket.remoteAddress;
  return !relayed && isLoopback(peer) && !(peer !== undefined && isTrustedProxy(peer));
}
