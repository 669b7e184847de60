import type { FastifyRequest } from 'fastify';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * A request is local when its peer is loopback and no proxy relayed it: behind the reverse proxy every
 * request arrives from 127.0.0.1, so a forwarding header means "from somewhere else".
 */
export function isLocalRequest(request: FastifyRequest): boolean {
  const headers = request.headers;
  const relayed =
    headers['x-forwarded-for'] !== undefined ||
    headers['forwarded'] !== undefined ||
    headers['x-real-ip'] !== undefined;
  return !relayed && isLoopback(request.socket.remoteAddress);
}
