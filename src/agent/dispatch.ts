import { agentOps, type AgentCredentials, type AgentEvent, type AgentOpName } from '../contract/agent-ops.js';
import { DiwanError } from '../contract/errors.js';
import { withTimeout } from '../server/util/with-timeout.js';

/** What a handler gets besides its input: who asked, when to stop, and where to send its output. */
export interface OpContext {
  /** The verified caller's username; null for public operations. */
  actor: string | null;
  /** Aborted when the caller cancels a cancellable operation, or when the operation times out. */
  signal: AbortSignal;
  /** Streams a log line or a progress figure to the caller while the operation runs. */
  emit(event: AgentEvent): void;
}

export type Handler = (input: unknown, context: OpContext) => Promise<unknown>;
export type Handlers = { [N in AgentOpName]: Handler };

export interface Authorizer {
  /** Resolves the caller; throws a DiwanError (401/403) when the credentials do not allow the op. */
  authorize(
    auth: AgentCredentials | null,
    op: { name: string; needsAdmin: boolean },
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
      adminOnly?: boolean;
      timeoutMs: number;
      public?: boolean;
      cancellable?: boolean;
    }
  >;
}

export interface CallOptions {
  /** Receives the operation's log lines and progress as they happen. */
  onEvent?: (event: AgentEvent) => void;
  /** Cancels the operation when it is cancellable; otherwise ignored, and the operation finishes. */
  signal?: AbortSignal;
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
    call: CallOptions = {},
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
    let actor: string | null = null;
    try {
      if (!spec.public)
        ({ actor } = await options.authorizer.authorize(auth, {
          name,
          needsAdmin: spec.changesHost || spec.adminOnly === true,
        }));
    } catch (error) {
      if (error instanceof DiwanError) options.onRefused(name, error);
      throw error;
    }
    const handler = options.handlers[name as AgentOpName];
    const controller = new AbortController();
    const cancel = () => controller.abort(new DiwanError('DIWAN_E_CANCELLED', `${name} was cancelled`));
    if (spec.cancellable) {
      if (call.signal?.aborted) cancel();
      call.signal?.addEventListener('abort', cancel, { once: true });
    }
    const emit = call.onEvent ?? (() => {});
    try {
      const output = await withTimeout(
        handler(parsed.data, { actor, signal: controller.signal, emit }),
        spec.timeoutMs,
        () => {
          const error = new DiwanError(
            'DIWAN_E_UNAVAILABLE',
            `${name} took longer than ${spec.timeoutMs} ms`,
          );
          controller.abort(error);
          return error;
        },
      );
      return spec.output.parse(output);
    } finally {
      call.signal?.removeEventListener('abort', cancel);
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
