import { connect, type Socket } from 'node:net';
import {
  AGENT_MAX_MESSAGE_BYTES,
  AGENT_PROTOCOL_VERSION,
  agentOps,
  agentResponseSchema,
  type AgentCredentials,
  type AgentEvent,
  type AgentInput,
  type AgentOpName,
  type AgentOutput,
} from '../../contract/agent-ops.js';
import { DiwanError, errorCodes, type ErrorCode } from '../../contract/errors.js';

export interface AgentCallOptions {
  /** The operation's log lines and progress, as they happen. */
  onEvent?: (event: AgentEvent) => void;
  /** Asks the agent to stop the operation; only cancellable operations do. */
  signal?: AbortSignal;
}

/** The web tier's handle on the agent; the same interface whether it runs in this process or as root. */
export interface AgentClient {
  call<N extends AgentOpName>(
    op: N,
    input: AgentInput<N>,
    auth: AgentCredentials | null,
    options?: AgentCallOptions,
  ): Promise<AgentOutput<N>>;
  close(): Promise<void>;
}

function toError(error: { code: string; message: string; field?: string }): DiwanError {
  const code = (errorCodes as readonly string[]).includes(error.code)
    ? (error.code as ErrorCode)
    : 'DIWAN_E_INTERNAL';
  return new DiwanError(code, error.message, error.field);
}

/** The agent in this process (development and tests): the same dispatcher, validation and checks. */
export function inProcessAgent(
  dispatch: (
    op: string,
    input: unknown,
    auth: AgentCredentials | null,
    options?: AgentCallOptions,
  ) => Promise<unknown>,
  close: () => Promise<void>,
): AgentClient {
  return {
    async call(op, input, auth, options) {
      const output = await dispatch(op, input, auth, options);
      return agentOps[op].output.parse(output) as AgentOutput<typeof op>;
    },
    close,
  };
}

/**
 * The agent behind its Unix socket (production). One connection, calls multiplexed by id; it
 * reconnects on the next call after a failure. Outputs are validated here too: the web tier trusts
 * the agent's answers no more than the agent trusts its questions.
 */
export function socketAgent(socketPath: string): AgentClient {
  let connection: Promise<Socket> | null = null;
  let nextId = 1;
  const pending = new Map<
    number,
    {
      resolve: (value: unknown) => void;
      reject: (error: Error) => void;
      onEvent?: (event: AgentEvent) => void;
    }
  >();

  function failAll(error: Error): void {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    connection = null;
  }

  function open(): Promise<Socket> {
    connection ??= new Promise<Socket>((resolve, reject) => {
      const socket = connect(socketPath);
      let buffer = '';
      let greeted = false;
      socket.setEncoding('utf8');
      socket.once('error', (error) => {
        reject(
          new DiwanError(
            'DIWAN_E_UNAVAILABLE',
            `The agent does not answer (${(error as NodeJS.ErrnoException).code ?? error.message})`,
          ),
        );
        failAll(new DiwanError('DIWAN_E_UNAVAILABLE', 'The connection to the agent was lost'));
      });
      socket.on('close', () =>
        failAll(new DiwanError('DIWAN_E_UNAVAILABLE', 'The connection to the agent was lost')),
      );
      socket.on('connect', () =>
        socket.write(`${JSON.stringify({ type: 'hello', version: AGENT_PROTOCOL_VERSION })}\n`),
      );
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.length > AGENT_MAX_MESSAGE_BYTES) return socket.destroy();
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const parsed = agentResponseSchema.safeParse(JSON.parse(buffer.slice(0, newline)));
          buffer = buffer.slice(newline + 1);
          if (!parsed.success) return socket.destroy();
          const message = parsed.data;
          if (message.type === 'hello') {
            greeted = true;
            resolve(socket);
          } else if (message.type === 'error' && message.id === null) {
            const error = toError(message.error);
            if (!greeted) reject(error);
            failAll(error);
          } else if (message.type === 'event') {
            pending.get(message.id)?.onEvent?.(message.event);
          } else {
            const id = message.id ?? -1;
            const waiter = pending.get(id);
            pending.delete(id);
            if (message.type === 'result') waiter?.resolve(message.output);
            else waiter?.reject(toError(message.error));
          }
        }
      });
    });
    return connection;
  }

  return {
    async call(op, input, auth, options = {}) {
      const spec = agentOps[op];
      spec.input.parse(input);
      const socket = await open();
      const id = nextId++;
      const answer = new Promise<unknown>((resolve, reject) => {
        pending.set(id, { resolve, reject, onEvent: options.onEvent });
        setTimeout(() => {
          if (pending.delete(id))
            reject(new DiwanError('DIWAN_E_UNAVAILABLE', `${op} took longer than ${spec.timeoutMs} ms`));
        }, spec.timeoutMs + 1000).unref();
      });
      const cancel = () => socket.write(`${JSON.stringify({ type: 'cancel', id })}\n`);
      options.signal?.addEventListener('abort', cancel, { once: true });
      socket.write(`${JSON.stringify({ type: 'call', id, op, input, auth })}\n`);
      try {
        return spec.output.parse(await answer) as AgentOutput<typeof op>;
      } finally {
        options.signal?.removeEventListener('abort', cancel);
      }
    },
    async close() {
      const socket = await connection?.catch(() => null);
      socket?.end();
      connection = null;
    },
  };
}
