import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DiwanError, errorResponses } from '../../../contract/errors.js';
import {
  serviceActions,
  softwareActionBodySchema,
  softwareListSchema,
  softwareLogQuerySchema,
  softwareLogSchema,
  softwareNameSchema,
  softwareStatusSchema,
  versionedSoftware,
  type SoftwareName,
} from '../../../contract/software.js';
import { taskSchema } from '../../../contract/tasks.js';
import type { AgentClient } from '../../agent/client.js';
import { agentCredentialsOf } from '../../agent/credentials.js';
import type { TaskRunner } from '../../tasks/task-runner.js';

const nameParams = z.object({ name: softwareNameSchema });

/** Checked before a task is made: a version for software that has none is the caller's mistake. */
function versionFor(name: SoftwareName, version: string | undefined): { version?: string } {
  if (version === undefined) return {};
  if (!versionedSoftware.has(name))
    throw new DiwanError('DIWAN_E_VALIDATION', `version: ${name} is not offered by version`, 'version');
  return { version };
}
const failures = errorResponses(400, 403, 409, 502, 503);

/**
 * The Software center: the catalog's status from the agent; install and uninstall as tasks (one
 * package operation at a time, apt's output as the task's log); service actions answered at once.
 */
export function softwareRoutes(deps: { agent: AgentClient; tasks: TaskRunner }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/software',
      {
        schema: {
          tags: ['software'],
          summary: 'The catalog: installed or not, version, running, enabled at boot',
          response: { 200: softwareListSchema },
        },
      },
      async (request) => deps.agent.call('software.status', {}, agentCredentialsOf(request)),
    );

    for (const action of ['install', 'uninstall'] as const) {
      app.post(
        `/software/:name/${action}`,
        {
          config: { audit: `software.${action}` },
          schema: {
            tags: ['software'],
            summary: `${action === 'install' ? 'Installs' : 'Removes'} a package of the catalog, as a task (202)`,
            params: nameParams,
            body: softwareActionBodySchema,
            response: { 202: taskSchema, ...failures },
          },
        },
        async (request, reply) => {
          const { name } = request.params;
          const { version } = versionFor(name, request.body.version);
          const input = { name, ...(version ? { version } : {}) };
          const credentials = agentCredentialsOf(request);
          const verb = action === 'install' ? 'Install' : 'Uninstall';
          const task = await deps.tasks.submit({
            kind: `software.${action}`,
            // `<Verb> <name>[ <version>]`: the Software page finds the entry of a running task by it.
            title: `${verb} ${name}${version ? ` ${version}` : ''}`,
            input,
            createdBy: request.principal?.user.username ?? null,
            queue: 'packages',
            run: async (context) =>
              deps.agent.call(`software.${action}`, input, credentials, { onEvent: context.onAgentEvent }),
          });
          return reply.code(202).send(task);
        },
      );
    }

    for (const action of serviceActions) {
      app.post(
        `/software/:name/${action}`,
        {
          config: { audit: `software.${action}` },
          schema: {
            tags: ['software'],
            summary: `${action} the service`,
            params: nameParams,
            body: softwareActionBodySchema,
            response: { 200: softwareStatusSchema, ...failures },
          },
        },
        async (request) => {
          return deps.agent.call(
            'software.service',
            { name: request.params.name, action, ...versionFor(request.params.name, request.body.version) },
            agentCredentialsOf(request),
          );
        },
      );
    }

    app.get(
      '/software/:name/logs',
      {
        schema: {
          tags: ['software'],
          summary: "The service's recent log lines (journal under systemd, its log files otherwise)",
          params: nameParams,
          querystring: softwareLogQuerySchema,
          response: { 200: softwareLogSchema, ...failures },
        },
      },
      async (request) => {
        const { name } = request.params;
        return deps.agent.call(
          'software.logs',
          { name, lines: request.query.lines, ...versionFor(name, request.query.version) },
          agentCredentialsOf(request),
        );
      },
    );
  };
}
