import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import {
  LIVE_MAX_SUBSCRIPTIONS,
  liveClientMessageSchema,
  type LiveServerMessage,
} from '../../../contract/live.js';
import type { TaskLogLine, TaskUpdate } from '../../../contract/tasks.js';
import type { AgentCredentials } from '../../../contract/agent-ops.js';
import type { AgentClient } from '../../agent/client.js';
import { agentCredentialsOf } from '../../agent/credentials.js';
import { resolveCredentials } from '../../auth/plugin.js';
import { INVALID, type AuthService } from '../../auth/service.js';
import type { TaskRunner } from '../../tasks/task-runner.js';
import type { DashboardHub } from '../dashboard/hub.js';

/** How often an open socket checks that its session or token still holds. */
const RECHECK_MS = 30_000;
const CATCH_UP_BATCH = 1000;

/**
 * `GET /api/v1/live`: the one WebSocket of a browser tab. The perimeter has checked the credential
 * and the Origin before the upgrade; the socket checks the credential again every 30 s and closes
 * (4401) when it was revoked.
 */
/** How often a followed website log is asked for what it gained. */
const FOLLOW_MS = 1_000;

export function liveRoutes(deps: {
  tasks: TaskRunner;
  auth: AuthService;
  dashboard: DashboardHub;
  agent: AgentClient;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/live', { websocket: true, schema: { hide: true } }, (socket, request) => {
      const send = (message: LiveServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const subscriptions = new Map<string, () => void>();
      const recheck = setInterval(() => {
        void resolveCredentials(request, deps.auth).then((principal) => {
          if (principal === INVALID || principal === null) socket.close(4401, 'credentials revoked');
        });
      }, RECHECK_MS);
      socket.on('close', () => {
        clearInterval(recheck);
        for (const stop of subscriptions.values()) stop();
        subscriptions.clear();
      });
      socket.on('message', (data, isBinary) => {
        let parsed;
        try {
          parsed = isBinary ? null : liveClientMessageSchema.safeParse(JSON.parse(String(data)));
        } catch {
          parsed = null;
        }
        if (!parsed?.success) {
          send({ type: 'error', code: 'DIWAN_E_VALIDATION', message: 'Not a live message' });
          return;
        }
        const message = parsed.data;
        const key =
          message.channel === 'task'
            ? message.id
            : message.channel === 'site-log'
              ? `site-log:${message.id}:${message.kind}`
              : message.channel;
        if (message.type === 'unsubscribe') {
          subscriptions.get(key)?.();
          subscriptions.delete(key);
          return;
        }
        if (subscriptions.has(key)) return;
        if (subscriptions.size >= LIVE_MAX_SUBSCRIPTIONS) {
          send({
            type: 'error',
            code: 'DIWAN_E_RATE_LIMITED',
            message: `At most ${LIVE_MAX_SUBSCRIPTIONS} subscriptions`,
            ...(message.channel !== 'dashboard' ? { id: message.id } : {}),
          });
          return;
        }
        if (message.channel === 'site-log') {
          const credentials = agentCredentialsOf(request);
          if (!credentials) return;
          const { id, kind } = message;
          subscriptions.set(
            key,
            followSiteLog(deps.agent, credentials, id, kind, {
              lines: (lines) => send({ type: 'update', channel: 'site-log', id, kind, lines }),
              error: (code, text) => {
                subscriptions.get(key)?.();
                subscriptions.delete(key);
                send({ type: 'error', code, message: text, id });
              },
            }),
          );
          return;
        }
        if (message.channel === 'dashboard') {
          const credentials = agentCredentialsOf(request);
          if (!credentials) return; // the perimeter let no such socket in
          subscriptions.set(
            key,
            deps.dashboard.watch({
              credentials,
              onSamples: (samples) => send({ type: 'update', channel: 'dashboard', samples }),
              onRefused: (code, refusal) => {
                subscriptions.delete(key);
                send({ type: 'error', code, message: refusal });
              },
            }),
          );
          return;
        }
        void followTask(socket, message.id, deps.tasks, send).then(
          (stop) => {
            if (stop) subscriptions.set(message.id, stop);
          },
          (error: unknown) => request.log.error({ err: error }, 'cannot follow a task'),
        );
      });
    });
  };
}

/**
 * Follows a website's log: its last lines, then every second what it gained, asked of the agent
 * with the subscriber's own credential (so a revoked session stops getting lines at once).
 */
function followSiteLog(
  agent: AgentClient,
  credentials: AgentCredentials,
  id: string,
  kind: 'access' | 'error',
  on: { lines(lines: string[]): void; error(code: string, message: string): void },
): () => void {
  let offset: number | null = null;
  let stopped = false;
  let busy = false;
  const step = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const first = offset === null;
      const next = await agent.call('websites.logFollow', { id, kind, offset }, credentials);
      offset = next.offset;
      // The first answer always goes out (the last lines, maybe none); later ones when lines came.
      if (!stopped && (first || next.lines.length > 0)) on.lines(next.lines);
    } catch (error) {
      stopped = true;
      on.error((error as { code?: string }).code ?? 'DIWAN_E_INTERNAL', (error as Error).message);
    } finally {
      busy = false;
    }
  };
  void step();
  const timer = setInterval(() => void step(), FOLLOW_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * Sends the task as it is and its log so far, then every update. Watching starts before the catch-up
 * read, and lines already sent are skipped, so no line is lost or repeated in between.
 */
async function followTask(
  socket: WebSocket,
  id: string,
  tasks: TaskRunner,
  send: (message: LiveServerMessage) => void,
): Promise<(() => void) | null> {
  let lastSeq = 0;
  let caughtUp = false;
  const early: TaskUpdate[] = [];
  const deliver = (update: TaskUpdate) => {
    if (update.type === 'log') {
      const lines = update.lines.filter((line) => line.seq > lastSeq);
      if (lines.length === 0) return;
      lastSeq = lines.at(-1)!.seq;
      update = { ...update, lines };
    }
    send({ type: 'update', channel: 'task', id, update });
  };
  const stop = tasks.watch(id, (update) => (caughtUp ? deliver(update) : early.push(update)));
  const task = await tasks.get(id);
  if (!task) {
    stop();
    send({ type: 'error', code: 'DIWAN_E_NOT_FOUND', message: 'No such task', id });
    return null;
  }
  send({ type: 'update', channel: 'task', id, update: { type: 'task', task } });
  for (;;) {
    const lines: TaskLogLine[] = await tasks.log(id, lastSeq, CATCH_UP_BATCH);
    if (lines.length > 0) deliver({ type: 'log', taskId: id, lines });
    if (lines.length < CATCH_UP_BATCH || socket.readyState !== socket.OPEN) break;
  }
  // Updates that came during the catch-up: log lines go out as they are; a task update may be older
  // than what was just read, so the task is read again instead, until nothing new arrived meanwhile.
  while (early.length > 0) {
    const arrived = early.splice(0);
    for (const update of arrived) if (update.type === 'log') deliver(update);
    if (arrived.some((update) => update.type === 'task')) {
      const current = await tasks.get(id);
      if (current) deliver({ type: 'task', task: current });
    }
  }
  caughtUp = true;
  return stop;
}
