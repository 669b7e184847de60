import { agentOps, type AgentCredentials, type AgentOpName } from '../contract/agent-ops.js';
import { DiwanError } from '../contract/errors.js';
import { withTimeout } from '../server/util/with-timeout.js';

export type Handler = (input: unknown) => Promise<unknown>;
export type Handlers = { [N in AgentOpName]: Handler };

export interface Authorizer {
  /** Resolves the caller; throws a DiwanError (401/403) when the credentials do not allow the op. */
  authorize(
    auth: AgentCredentials | null,
    op: { name: string; changesHost: boolean },
  ): Promise<{ actor: string }>;
}

export interface DispatchOptions {
  handlers: Handlers;
  authorizer: Authorizer;
  /** Refusals are audited by the agent itself: the web tier may be the one attacking. */
  onRefused: (op: string, error: DiwanError) => void;
  ops?: Record<
    string,
    {
      input: { safeParse(v: unknown): SafeParse };
      output: { parse(v: unknown): unknown };
      changesHost: boolean;
      timeoutMs: number;
      public?: boolean;
    }
  >;
}

type SafeParse =
  | { success: true; data: unknown }
  | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };

/**
 * The agent's one entry: the op must be declared, its input must parse, the caller must be allowed,
 * the handler must finish in time and its output must match the contract. Used alike by the socket
 * server and the in-process transport, so development runs the same checks as production.
 */
export function createDispatcher(options: DispatchOptions) {
  const ops = options.ops ?? agentOps;
  return async function dispatch(
    name: string,
    rawInput: unknown,
    auth: AgentCredentials | null,
  ): Promise<unknown> {
    const table: DispatchOptions['ops'] & object = ops;
    const spec = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!spec)
      throw new DiwanError(
        'DIWAN_E_NOT_FOUND',
        `The agent has no operation "${String(name).slice(0, 64)}"`,
        'op',
      );
    const parsed = spec.input.safeParse(rawInput);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'input';
      throw new DiwanError('DIWAN_E_VALIDATION', `${field}: ${issue?.message ?? 'invalid value'}`, field);
    }
    try {
      if (!spec.public) await options.authorizer.authorize(auth, { name, changesHost: spec.changesHost });
    } catch (error) {
      if (error instanceof DiwanError) options.onRefused(name, error);
      throw error;
    }
    const handler = options.handlers[name as AgentOpName];
    const output = await withTimeout(
      handler(parsed.data),
      spec.timeoutMs,
      () => new DiwanError('DIWAN_E_UNAVAILABLE', `${name} took longer than ${spec.timeoutMs} ms`),
    );
    return spec.output.parse(output);
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
