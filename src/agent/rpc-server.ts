import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import {
  AGENT_MAX_MESSAGE_BYTES,
  AGENT_PROTOCOL_VERSION,
  agentRequestSchema,
  type AgentResponse,
} from '../contract/agent-ops.js';
import { DiwanError } from '../contract/errors.js';
import type { Logger } from '../server/logger.js';
import type { Dispatch } from './dispatch.js';

export interface AgentServerOptions {
  socketPath: string;
  dispatch: Dispatch;
  logger: Pick<Logger, 'warn' | 'error'>;
  agentVersion: string;
  /** The web tier's group: the socket is 0660 root:<group>, so only root and the web tier connect. */
  gid?: number;
}

/**
 * The agent's socket: one JSON message per line. A connection first says hello with the protocol
 * version; then calls run concurrently and answer by id. A line longer than the limit, or anything
 * before a matching hello, closes the connection.
 */
/** Directories every user may pass through: never given to the web tier's group. */
const SHARED_DIRS = new Set(['/', '/run', '/var/run', '/tmp', '/var/tmp']);

export async function startAgentServer(options: AgentServerOptions): Promise<Server> {
  const directory = dirname(options.socketPath);
  mkdirSync(directory, { recursive: true, mode: 0o750 });
  // The web tier must pass through the socket's own directory (systemd makes /run/diwan root:root
  // 0750): give it to root:<web group>, so that nobody else can even reach the socket.
  if (options.gid !== undefined && !SHARED_DIRS.has(directory)) {
    chownSync(directory, 0, options.gid);
    chmodSync(directory, 0o750);
  }
  rmSync(options.socketPath, { force: true }); // a stale socket from a previous run
  const server = createServer((socket) => serve(socket, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => resolve());
  });
  chmodSync(options.socketPath, 0o660);
  if (options.gid !== undefined) chownSync(options.socketPath, 0, options.gid);
  return server;
}

function serve(socket: Socket, options: AgentServerOptions): void {
  let buffer = '';
  let greeted = false;
  // Calls in flight on this connection, by id, so that a cancel can reach them.
  const inFlight = new Map<number, AbortController>();
  const send = (message: AgentResponse) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
  };
  const refuse = (message: string) => {
    send({ type: 'error', id: null, error: { code: 'DIWAN_E_BAD_REQUEST', message } });
    socket.end();
  };
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  // A caller that goes away does not stop its calls: a host change, once begun, finishes whole.
  socket.on('close', () => inFlight.clear());
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > AGENT_MAX_MESSAGE_BYTES) return refuse('message too large');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let parsed;
      try {
        parsed = agentRequestSchema.safeParse(JSON.parse(line));
      } catch {
        return refuse('not JSON');
      }
      if (!parsed.success) return refuse('not an agent request');
      const request = parsed.data;
      if (request.type === 'hello') {
        if (request.version !== AGENT_PROTOCOL_VERSION)
          return refuse(`protocol ${request.version} is not ${AGENT_PROTOCOL_VERSION}`);
        greeted = true;
        send({ type: 'hello', version: AGENT_PROTOCOL_VERSION, agentVersion: options.agentVersion });
        continue;
      }
      if (!greeted) return refuse('say hello first');
      if (request.type === 'cancel') {
        inFlight.get(request.id)?.abort();
        continue;
      }
      if (inFlight.has(request.id)) return refuse(`call ${request.id} is already running`);
      const { id } = request;
      const controller = new AbortController();
      inFlight.set(id, controller);
      options
        .dispatch(request.op, request.input, request.auth, {
          signal: controller.signal,
          onEvent: (event) => send({ type: 'event', id, event }),
        })
        .then(
          (output) => send({ type: 'result', id, output }),
          (error: unknown) => {
            if (!(error instanceof DiwanError))
              options.logger.error({ err: error, op: request.op }, 'agent operation failed');
            const body =
              error instanceof DiwanError
                ? error.toBody().error
                : { code: 'DIWAN_E_INTERNAL', message: 'The agent failed; its log has the details' };
            send({ type: 'error', id, error: body });
          },
        )
        .finally(() => inFlight.delete(id));
    }
  });
}
