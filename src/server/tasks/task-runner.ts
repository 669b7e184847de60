import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AgentEvent } from '../../contract/agent-ops.js';
import { DiwanError } from '../../contract/errors.js';
import type { TaskLogLine, TaskUpdate, TaskView } from '../../contract/tasks.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { toTaskView, type TaskStore } from './task-store.js';

/** What a running task may do besides its own work. */
export interface TaskContext {
  log(line: string, stream?: TaskLogLine['stream']): void;
  progress(percent: number): void;
  /** Forwards what an agent operation streams: its output lines and progress. */
  onAgentEvent(event: AgentEvent): void;
  /** Aborted when a user cancels a cancellable task. */
  signal: AbortSignal;
}

export interface TaskSpec {
  kind: string;
  title: string;
  /** Kept with the task for the record; never put a secret here. */
  input: Record<string, unknown>;
  createdBy: string | null;
  /** Tasks of the same queue run one at a time, in order (package operations: `packages`). */
  queue?: string;
  /** Whether a running task may be stopped midway (a queued one always may). */
  cancellable?: boolean;
  run(context: TaskContext): Promise<Record<string, unknown> | void>;
}

export interface TaskRunnerOptions {
  store: TaskStore;
  events: EventBus;
  logger: Logger;
  now: () => number;
  /** How often this instance says it still runs its tasks; a task silent for 3 periods is interrupted. */
  heartbeatMs?: number;
  /**
   * What makes this instance one of a kind while it runs (host name and listening address): a new
   * process of the same instance knows the previous one is gone, so it marks that one's unfinished
   * tasks interrupted at once instead of after three silent heartbeats.
   */
  instance?: string;
}

/** The first 12 characters of the task owners of an instance (an owner is 36, like the uuid it replaces). */
export function ownerPrefix(instance: string): string {
  return createHash('sha256').update(instance).digest('hex').slice(0, 12);
}

const MAX_LINES = 20_000;
const MAX_LINE_CHARS = 8 * 1024;
const FLUSH_MS = 200;
const PROGRESS_EVERY_MS = 500;

interface Live {
  spec: TaskSpec;
  controller: AbortController;
  running: boolean;
  /** Settles when the task has reached its final state. */
  done: Promise<void>;
}

/**
 * Runs long work as persisted tasks: a row with state and progress, a log kept line by line, updates
 * published on the event bus (the WebSocket follows them), named queues that run one task at a time,
 * cancel, and interruption of the tasks of an instance that stopped.
 */
export function createTaskRunner(options: TaskRunnerOptions) {
  const { store, events, logger, now } = options;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const prefix = options.instance === undefined ? undefined : ownerPrefix(options.instance);
  const owner = prefix === undefined ? randomUUID() : prefix + randomBytes(12).toString('hex');
  const live = new Map<string, Live>();
  const queues = new Map<string, Promise<void>>();
  const watchers = new Map<string, Set<(update: TaskUpdate) => void>>();

  events.subscribe((event) => {
    if (event.type !== 'task.update') return;
    const id = event.update.type === 'task' ? event.update.task.id : event.update.taskId;
    for (const watcher of watchers.get(id) ?? []) watcher(event.update);
  });

  const publish = (update: TaskUpdate) =>
    events.publish({ type: 'task.update', update }).catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot publish a task update');
    });

  async function view(id: string): Promise<TaskView | undefined> {
    const row = await store.get(id);
    return row && toTaskView(row, isCancellable(id, row.state));
  }

  function isCancellable(id: string, state: string): boolean {
    const entry = live.get(id);
    if (!entry) return false;
    return state === 'queued' || (state === 'running' && entry.spec.cancellable === true);
  }

  async function publishTask(id: string): Promise<void> {
    const task = await view(id);
    if (task) await publish({ type: 'task', task });
  }

  async function execute(id: string, entry: Live): Promise<void> {
    // Cancelled while queued (already recorded), or this instance is closing.
    if (entry.controller.signal.aborted) return;
    entry.running = true;
    await store.update(id, { state: 'running', started_at: now() });
    await publishTask(id);

    let seq = 0;
    let pending: TaskLogLine[] = [];
    let flushing = Promise.resolve();
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      const lines = pending;
      pending = [];
      flushing = flushing
        .then(async () => {
          await store.appendLog(id, lines);
          await publish({ type: 'log', taskId: id, lines });
        })
        .catch((error: unknown) => logger.error({ err: error, task: id }, 'cannot keep a task log'));
    };
    const log = (line: string, stream: TaskLogLine['stream'] = 'info') => {
      if (seq > MAX_LINES) return;
      seq += 1;
      const text =
        seq > MAX_LINES ? `… the log stops here (${MAX_LINES} lines)` : line.slice(0, MAX_LINE_CHARS);
      pending.push({ seq, at: now(), stream, line: text });
      timer ??= setTimeout(flush, FLUSH_MS);
    };
    let lastProgressAt = 0;
    let progressWrite = Promise.resolve();
    const progress = (percent: number) => {
      const value = Math.max(0, Math.min(100, Math.round(percent)));
      // Wall time, not the injected clock: this only spaces out writes.
      if (Date.now() - lastProgressAt < PROGRESS_EVERY_MS && value < 100) return;
      lastProgressAt = Date.now();
      progressWrite = progressWrite
        .then(() => store.update(id, { progress: value }))
        .then(() => publishTask(id))
        .catch((error: unknown) => logger.warn({ err: error, task: id }, 'cannot record progress'));
    };
    const context: TaskContext = {
      log,
      progress,
      onAgentEvent: (event) =>
        event.kind === 'log' ? log(event.line, event.stream) : progress(event.percent),
      signal: entry.controller.signal,
    };

    let outcome: { state: 'succeeded' | 'failed' | 'cancelled'; error: string | null; result?: object };
    try {
      const result = await entry.spec.run(context);
      outcome = { state: 'succeeded', error: null, result: result ?? undefined };
    } catch (error) {
      const cancelled =
        entry.controller.signal.aborted && error instanceof DiwanError && error.code === 'DIWAN_E_CANCELLED';
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof DiwanError)) logger.error({ err: error, task: id }, 'task failed');
      log(message, 'stderr');
      outcome = { state: cancelled ? 'cancelled' : 'failed', error: message.slice(0, 4000) };
    }
    if (timer) clearTimeout(timer);
    flush();
    await flushing;
    await progressWrite;
    await finish(id, outcome.state, outcome.error, outcome.result);
  }

  async function finish(
    id: string,
    state: 'succeeded' | 'failed' | 'cancelled',
    error: string | null,
    result?: object,
  ): Promise<void> {
    await store.update(id, {
      state,
      finished_at: now(),
      error,
      ...(state === 'succeeded' ? { progress: 100 } : {}),
      ...(result ? { result: JSON.stringify(result) } : {}),
    });
    live.delete(id);
    await publishTask(id);
  }

  const heartbeat = setInterval(() => {
    void store
      .heartbeat(owner, now())
      .then(() => sweepStale())
      .catch((error: unknown) => logger.warn({ err: error }, 'task heartbeat failed'));
  }, heartbeatMs);
  heartbeat.unref();

  /** Tasks whose instance stopped saying it runs them: that instance died mid-task. */
  async function sweepStale(): Promise<string[]> {
    const reason = 'Diwan stopped while this task ran; its outcome is unknown: check the log and try again';
    const ids = await store.interrupt({ staleBefore: now() - 3 * heartbeatMs }, now(), reason);
    // A previous process of this very instance (the same host and address) has stopped, heartbeat
    // or not: a restart after a crash marks its tasks at once.
    if (prefix !== undefined)
      ids.push(...(await store.interrupt({ ownerPrefix: prefix, except: owner }, now(), reason)));
    for (const id of ids) await publishTask(id);
    return ids;
  }

  return {
    /** Records the task as queued and starts it (at once, or when its queue is free). */
    async submit(spec: TaskSpec): Promise<TaskView> {
      const row = await store.insert(
        { kind: spec.kind, title: spec.title, input: spec.input, createdBy: spec.createdBy, owner },
        now(),
      );
      const entry: Live = {
        spec,
        controller: new AbortController(),
        running: false,
        done: Promise.resolve(),
      };
      live.set(row.id, entry);
      const previous = spec.queue ? (queues.get(spec.queue) ?? Promise.resolve()) : Promise.resolve();
      entry.done = previous.then(() =>
        execute(row.id, entry).catch((error: unknown) =>
          logger.error({ err: error, task: row.id }, 'task runner failed'),
        ),
      );
      if (spec.queue) {
        const queue = spec.queue;
        const tail = entry.done;
        queues.set(queue, tail);
        void tail.then(() => {
          if (queues.get(queue) === tail) queues.delete(queue);
        });
      }
      return toTaskView(row, true);
    },

    get: view,

    async list(query: Parameters<TaskStore['list']>[0]): Promise<TaskView[]> {
      const rows = await store.list(query);
      return rows.map((row) => toTaskView(row, isCancellable(row.id, row.state)));
    },

    log: (id: string, after: number, limit: number) => store.log(id, after, limit),
    steps: (id: string) => store.steps(id),

    /** Stops a queued task, or a running one whose work may stop midway. */
    async cancel(id: string): Promise<TaskView> {
      const task = await view(id);
      if (!task) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such task', 'id');
      const entry = live.get(id);
      if (!entry || !task.cancellable) {
        throw new DiwanError(
          'DIWAN_E_CONFLICT',
          task.state === 'running'
            ? 'This task cannot be stopped midway; wait for it to finish'
            : `The task has already ${task.state === 'queued' ? 'been picked up' : 'finished'}`,
          'id',
        );
      }
      entry.controller.abort(new DiwanError('DIWAN_E_CANCELLED', 'Cancelled by a user'));
      if (!entry.running) await finish(id, 'cancelled', 'Cancelled before it started');
      else await entry.done;
      return (await view(id))!;
    },

    /** Calls `listener` with every update of the task until the returned function is called. */
    watch(id: string, listener: (update: TaskUpdate) => void): () => void {
      const set = watchers.get(id) ?? new Set();
      set.add(listener);
      watchers.set(id, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) watchers.delete(id);
      };
    },

    /** At start-up: the tasks an instance that died left unfinished. */
    sweepStale,

    /** Waits for every task this instance started (tests, and a graceful stop). */
    async idle(): Promise<void> {
      while (live.size > 0) await Promise.all([...live.values()].map((entry) => entry.done));
    },

    /**
     * Stops this instance's task running: waits up to `graceMs` for running tasks, then marks what
     * is left interrupted (the agent may still finish the work; the log says the outcome is unknown).
     */
    async close(graceMs = 0): Promise<void> {
      clearInterval(heartbeat);
      for (const entry of live.values()) if (!entry.running) entry.controller.abort();
      await Promise.race([
        Promise.all([...live.values()].map((entry) => entry.done)),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
      if (live.size === 0) return;
      await store
        .interrupt(
          { owner },
          now(),
          'Diwan stopped while this task ran; its outcome is unknown: check the log and try again',
        )
        .catch((error: unknown) => logger.error({ err: error }, 'cannot mark tasks interrupted'));
    },
  };
}

export type TaskRunner = ReturnType<typeof createTaskRunner>;
