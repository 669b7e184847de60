import { z } from 'zod';

export const taskStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type TaskState = (typeof taskStates)[number];

export const taskSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    title: z.string(),
    state: z.enum(taskStates),
    progress: z.number().int().min(0).max(100),
    /** Whether `POST /tasks/{id}/cancel` can stop it now. */
    cancellable: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    error: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'Task' });
export type TaskView = z.infer<typeof taskSchema>;

export const taskLogLineSchema = z
  .object({
    seq: z.number().int().positive(),
    at: z.number(),
    /** `step` lines name the phase the work enters (Install the package, Start the service…). */
    stream: z.enum(['stdout', 'stderr', 'info', 'step']),
    line: z.string(),
  })
  .meta({ id: 'TaskLogLine' });
export type TaskLogLine = z.infer<typeof taskLogLineSchema>;

export const taskIdParamsSchema = z.object({ id: z.uuid() });

export const taskQuerySchema = z.object({
  state: z.enum(taskStates).optional(),
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9.-]{0,63}$/)
    .optional(),
  /** The `nextBefore` of the previous page (a task's createdAt and id, as `createdAt:id`). */
  before: z
    .string()
    .regex(/^\d{1,16}:[0-9a-f-]{36}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const taskPageSchema = z
  .object({ tasks: z.array(taskSchema), nextBefore: z.string().nullable() })
  .meta({ id: 'TaskPage' });

export const taskLogQuerySchema = z.object({
  /** Lines after this sequence number (the last one the caller has). */
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

/** A phase the work entered (Install the package, Check the configuration…): a `step` line of its log. */
export const taskStepSchema = z
  .object({ seq: z.number().int().positive(), at: z.number(), name: z.string() })
  .meta({ id: 'TaskStep' });
export type TaskStep = z.infer<typeof taskStepSchema>;

export const taskDetailSchema = z
  .object({
    task: taskSchema,
    /** Every step so far, in order; the last is the current one while the task runs. */
    steps: z.array(taskStepSchema),
    log: z.array(taskLogLineSchema),
    nextAfter: z.number().int().nullable(),
  })
  .meta({ id: 'TaskDetail' });

/** What the server tells WebSocket subscribers of a task. */
export const taskUpdateSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('task'), task: taskSchema }),
  z.object({ type: z.literal('log'), taskId: z.string(), lines: z.array(taskLogLineSchema) }),
]);
export type TaskUpdate = z.infer<typeof taskUpdateSchema>;
