import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema, DiwanError } from '../../../contract/errors.js';
import {
  taskDetailSchema,
  taskIdParamsSchema,
  taskLogQuerySchema,
  taskPageSchema,
  taskQuerySchema,
  taskSchema,
} from '../../../contract/tasks.js';
import type { TaskRunner } from '../../tasks/task-runner.js';

export function taskRoutes(deps: { tasks: TaskRunner }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/tasks',
      {
        schema: {
          tags: ['tasks'],
          summary: 'Tasks, newest first, with filters; page with `before`',
          querystring: taskQuerySchema,
          response: { 200: taskPageSchema },
        },
      },
      async (request) => {
        const tasks = await deps.tasks.list(request.query);
        const last = tasks.at(-1);
        const full = tasks.length === request.query.limit && last;
        return { tasks, nextBefore: full ? `${last.createdAt}:${last.id}` : null };
      },
    );

    app.get(
      '/tasks/:id',
      {
        schema: {
          tags: ['tasks'],
          summary: 'A task and its log (lines after `after`); follow it live on /api/v1/live',
          params: taskIdParamsSchema,
          querystring: taskLogQuerySchema,
          response: { 200: taskDetailSchema, 404: errorBodySchema },
        },
      },
      async (request) => {
        const task = await deps.tasks.get(request.params.id);
        if (!task) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such task', 'id');
        const [log, steps] = await Promise.all([
          deps.tasks.log(task.id, request.query.after, request.query.limit),
          deps.tasks.steps(task.id),
        ]);
        const more = log.length === request.query.limit;
        return { task, steps, log, nextAfter: more ? log.at(-1)!.seq : null };
      },
    );

    app.post(
      '/tasks/:id/cancel',
      {
        config: { audit: 'task.cancel' },
        schema: {
          tags: ['tasks'],
          summary: 'Cancels a queued task, or a running one that can stop midway',
          params: taskIdParamsSchema,
          response: { 200: taskSchema, 404: errorBodySchema, 409: errorBodySchema },
        },
      },
      async (request) => deps.tasks.cancel(request.params.id),
    );
  };
}
