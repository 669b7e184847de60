import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TaskLogLine, TaskState, TaskStep, TaskView } from '../../contract/tasks.js';
import type { Database, Task } from '../db/schema.js';

/** Steps listed with a task at most (a task names a handful; its log holds them all anyway). */
const MAX_STEPS = 200;

export interface NewTaskRecord {
  kind: string;
  title: string;
  input: Record<string, unknown>;
  createdBy: string | null;
  owner: string;
}

export interface TaskListQuery {
  state?: TaskState;
  kind?: string;
  /** `createdAt:id` of the previous page's last task. */
  before?: string;
  limit: number;
}

const UNFINISHED: TaskState[] = ['queued', 'running'];

/** Tasks and their logs in the panel database: every write a task makes goes through here. */
export function createTaskStore(db: Kysely<Database>) {
  return {
    async insert(record: NewTaskRecord, at: number): Promise<Task> {
      const row = {
        id: randomUUID(),
        kind: record.kind,
        title: record.title.slice(0, 255),
        state: 'queued' as const,
        progress: 0,
        created_by: record.createdBy,
        created_at: at,
        started_at: null,
        finished_at: null,
        error: null,
        input: JSON.stringify(record.input),
        result: null,
        owner: record.owner,
        heartbeat_at: at,
      };
      await db.insertInto('tasks').values(row).execute();
      return row;
    },

    async get(id: string): Promise<Task | undefined> {
      return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async update(
      id: string,
      changes: Partial<Pick<Task, 'state' | 'progress' | 'started_at' | 'finished_at' | 'error' | 'result'>>,
    ): Promise<void> {
      await db.updateTable('tasks').set(changes).where('id', '=', id).execute();
    },

    /** Newest first; keyset paging on (created_at, id). */
    async list(query: TaskListQuery): Promise<Task[]> {
      let select = db.selectFrom('tasks').selectAll();
      if (query.state) select = select.where('state', '=', query.state);
      if (query.kind) select = select.where('kind', '=', query.kind);
      if (query.before) {
        const [at, id] = query.before.split(':') as [string, string];
        select = select.where((eb) =>
          eb.or([
            eb('created_at', '<', Number(at)),
            eb.and([eb('created_at', '=', Number(at)), eb('id', '<', id)]),
          ]),
        );
      }
      return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    },

    async appendLog(taskId: string, lines: readonly TaskLogLine[]): Promise<void> {
      if (lines.length === 0) return;
      await db
        .insertInto('task_logs')
        .values(lines.map((line) => ({ task_id: taskId, ...line })))
        .execute();
    },

    async log(taskId: string, after: number, limit: number): Promise<TaskLogLine[]> {
      const rows = await db
        .selectFrom('task_logs')
        .select(['seq', 'at', 'stream', 'line'])
        .where('task_id', '=', taskId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...row, stream: row.stream as TaskLogLine['stream'] }));
    },

    /** The phases the work entered, in order: the `step` lines of its log. */
    async steps(taskId: string): Promise<TaskStep[]> {
      return db
        .selectFrom('task_logs')
        .select(['seq', 'at', 'line as name'])
        .where('task_id', '=', taskId)
        .where('stream', '=', 'step')
        .orderBy('seq')
        .limit(MAX_STEPS)
        .execute();
    },

    async heartbeat(owner: string, at: number): Promise<void> {
      await db
        .updateTable('tasks')
        .set({ heartbeat_at: at })
        .where('owner', '=', owner)
        .where('state', 'in', UNFINISHED)
        .execute();
    },

    /**
     * Marks unfinished tasks interrupted: those of `owner` (an instance closing), those whose owner
     * has not said it runs them since `staleBefore` (an instance that died), or those of the earlier
     * processes of an instance (owners starting with `ownerPrefix`, but for `except`, the current
     * one). Returns their ids.
     */
    async interrupt(
      which: { owner: string } | { staleBefore: number } | { ownerPrefix: string; except: string },
      at: number,
      reason: string,
    ): Promise<string[]> {
      let select = db.selectFrom('tasks').select('id').where('state', 'in', UNFINISHED);
      if ('ownerPrefix' in which) {
        if (!/^[0-9a-f]+$/.test(which.ownerPrefix)) throw new Error('an owner prefix is hex');
        select = select.where('owner', 'like', `${which.ownerPrefix}%`).where('owner', '!=', which.except);
      } else if ('owner' in which) {
        select = select.where('owner', '=', which.owner);
      } else {
        select = select.where((eb) =>
          eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', which.staleBefore)]),
        );
      }
      const ids = (await select.execute()).map((row) => row.id);
      if (ids.length === 0) return [];
      await db
        .updateTable('tasks')
        .set({ state: 'interrupted', finished_at: at, error: reason })
        .where('id', 'in', ids)
        .where('state', 'in', UNFINISHED)
        .execute();
      return ids;
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;

export function toTaskView(row: Task, cancellable: boolean): TaskView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    state: row.state,
    progress: Number(row.progress),
    cancellable,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    error: row.error,
    result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
  };
}
