import type { FastifyRequest } from 'fastify';
import type { AgentCredentials } from '../../contract/agent-ops.js';
import { SESSION_COOKIE } from '../auth/plugin.js';

/** The caller's own credential, passed on to the agent, which checks it again for itself. */
export function agentCredentialsOf(request: FastifyRequest): AgentCredentials | null {
  const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return { token: bearer };
  const session = request.cookies[SESSION_COOKIE];
  return session ? { session } : null;
}
