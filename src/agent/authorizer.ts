import type { AgentCredentials } from '../contract/agent-ops.js';
import { DiwanError } from '../contract/errors.js';
import { INVALID, type AuthService } from '../server/auth/service.js';
import type { Authorizer } from './dispatch.js';

/**
 * Checks the caller's session or token against the panel database on every call, with the same
 * rules as the web tier's perimeter: a compromised web tier cannot make the agent act without a
 * live credential of a real administrator. `auth` must be built read-only and uncached (agent.ts).
 */
export function createAuthorizer(auth: AuthService): Authorizer {
  return {
    async authorize(credentials: AgentCredentials | null, op) {
      if (!credentials)
        throw new DiwanError('DIWAN_E_UNAUTHORIZED', "The agent needs the caller's session or token");
      // The agent sees no client address: token IP allow-lists are enforced by the web tier.
      const principal =
        'session' in credentials
          ? await auth.resolveSession(credentials.session)
          : await auth.resolveToken(credentials.token, null);
      if (principal === INVALID || principal === null)
        throw new DiwanError('DIWAN_E_UNAUTHORIZED', 'The session or token is not valid');
      if (op.needsAdmin && principal.scope !== 'admin') {
        throw new DiwanError('DIWAN_E_FORBIDDEN', `${op.name} needs an admin session or token`);
      }
      return { actor: principal.user.username };
    },
  };
}
