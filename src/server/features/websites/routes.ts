import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DiwanError, errorBodySchema, errorResponses } from '../../../contract/errors.js';
import {
  siteDriftSchema,
  websiteLogQuerySchema,
  websiteLogSchema,
  siteRoot,
  siteSpecSchema,
  websiteDeleteQuerySchema,
  websiteListQuerySchema,
  websiteListSchema,
  websitePatchSchema,
  websiteSchema,
  type SiteRecord,
  type SiteSpec,
} from '../../../contract/websites.js';
import type { AgentClient } from '../../agent/client.js';
import { agentCredentialsOf } from '../../agent/credentials.js';
import type { TaskRunner } from '../../tasks/task-runner.js';
import { hashSitePasswords } from './passwords.js';
import type { CertificateStore, WebsiteStore } from './store.js';

const idParams = z.object({ id: z.uuid() });
const failures = errorResponses(400, 403, 404, 409, 502, 503);
const changed = websiteSchema.extend({
  /** The task that made the change: its log holds nginx's and PHP-FPM's own words. */
  taskId: z.string(),
  /** Something worth knowing that did not stop the change (an upstream that does not answer yet). */
  note: z.string().nullable(),
});

/**
 * Websites: the panel's records, and every change made on the host by the agent as one task
 * (render → write → nginx -t → reload → check, or everything put back). The answer comes when the
 * site is live, or with the reason it is not.
 */
export function websiteRoutes(deps: {
  agent: AgentClient;
  tasks: TaskRunner;
  store: WebsiteStore;
  certificates: CertificateStore;
  webRoot: string;
}): FastifyPluginAsyncZod {
  /** Runs one agent change as a task in the `websites` queue and waits for its end. */
  async function change<T>(
    request: FastifyRequest,
    title: string,
    kind: string,
    input: Record<string, unknown>,
    work: (onEvent: Parameters<AgentClient['call']>[3]) => Promise<T>,
  ): Promise<{ result: T; taskId: string }> {
    let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
    const outcome = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    const task = await deps.tasks.submit({
      kind,
      title,
      input,
      createdBy: request.principal?.user.username ?? null,
      queue: 'websites',
      run: async (context) => {
        try {
          const result = await work({ onEvent: context.onAgentEvent });
          settle.resolve(result);
          return result as Record<string, unknown>;
        } catch (error) {
          settle.reject(error);
          throw error;
        }
      },
    });
    return { result: await outcome, taskId: task.id };
  }

  /** The site as the agent renders it, with its HTTPS as recorded when the task runs. */
  const record = async (id: string, spec: SiteSpec, enabled: boolean): Promise<SiteRecord> => ({
    id,
    spec,
    enabled,
    tls: await deps.certificates.tls(id),
  });

  return async (app) => {
    // At start-up: tell the operator about hand edits instead of overwriting them at the next change.
    app.addHook('onReady', () => {
      void (async () => {
        const drift = await deps.agent.call('websites.drift', { sites: await deps.store.records() }, null);
        for (const site of drift.sites.filter((entry) => entry.state !== 'ok')) {
          app.log.warn(
            { event: 'website.drift', site: site.id, state: site.state, file: site.file },
            'a website file differs from what Diwan wrote',
          );
        }
        for (const file of drift.orphans) {
          app.log.warn(
            { event: 'website.drift', state: 'orphan', file },
            'a file in Diwan’s sites directory has no site',
          );
        }
      })().catch((error: unknown) =>
        app.log.warn({ err: error }, 'cannot compare the websites with their files yet'),
      );
    });

    app.get(
      '/websites/drift',
      {
        schema: {
          tags: ['websites'],
          summary:
            'How each site’s files on disk compare with what Diwan wrote (hand edits, missing, orphans)',
          response: { 200: siteDriftSchema, ...failures },
        },
      },
      async (request) =>
        deps.agent.call('websites.drift', { sites: await deps.store.records() }, agentCredentialsOf(request)),
    );

    app.get(
      '/websites',
      {
        schema: {
          tags: ['websites'],
          summary: 'Websites, with search by domain, a type filter, sorting and pages',
          querystring: websiteListQuerySchema,
          response: { 200: websiteListSchema },
        },
      },
      async (request) => deps.store.list(request.query),
    );

    app.post(
      '/websites',
      {
        config: { audit: 'website.create' },
        schema: {
          tags: ['websites'],
          summary: 'Creates a site; answers 201 once nginx serves it',
          body: siteSpecSchema,
          response: { 201: changed, ...failures },
        },
      },
      async (request, reply) => {
        const spec = hashSitePasswords(request.body);
        const id = randomUUID();
        const root = siteRoot(deps.webRoot, spec);
        // The record first: it claims the domains and the folder, so two requests cannot both build.
        await deps.store.insert(id, spec, root, request.principal?.user.id ?? null);
        const credentials = agentCredentialsOf(request);
        try {
          const { result, taskId } = await change(
            request,
            `Create ${spec.domains[0]}`,
            'website.create',
            { id, type: spec.type, domains: spec.domains },
            async (options) =>
              deps.agent.call('websites.apply', { site: await record(id, spec, true) }, credentials, options),
          );
          const created = await deps.store.get(id);
          return reply.code(201).send({ ...created!.website, taskId, note: result.note });
        } catch (error) {
          await deps.store.remove(id);
          throw error;
        }
      },
    );

    app.get(
      '/websites/:id',
      {
        schema: {
          tags: ['websites'],
          summary: 'One site',
          params: idParams,
          response: { 200: websiteSchema, 404: errorBodySchema },
        },
      },
      async (request) => {
        const found = await deps.store.get(request.params.id);
        if (!found) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such website');
        return found.website;
      },
    );

    app.patch(
      '/websites/:id',
      {
        config: { audit: 'website.update' },
        schema: {
          tags: ['websites'],
          summary: 'Changes domains or options, or disables (maintenance page) and enables a site',
          params: idParams,
          body: websitePatchSchema,
          response: { 200: changed, ...failures },
        },
      },
      async (request) => {
        const { id } = request.params;
        const found = await deps.store.get(id);
        if (!found) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such website');
        const spec = hashSitePasswords(
          siteSpecSchema.parse({
            ...found.spec,
            ...(request.body.domains ? { domains: request.body.domains } : {}),
            ...(request.body.options ? { options: request.body.options } : {}),
          }),
          found.spec,
        );
        const enabled = request.body.enabled ?? found.website.enabled;
        await deps.store.refuseTaken(spec, found.website.root, id);
        const credentials = agentCredentialsOf(request);
        const { result, taskId } = await change(
          request,
          `Change ${spec.domains[0]}`,
          'website.update',
          { id, domains: spec.domains, enabled },
          async (options) =>
            deps.agent.call(
              'websites.apply',
              { site: await record(id, spec, enabled) },
              credentials,
              options,
            ),
        );
        // Recorded only once the host runs it: a refused change leaves the record as it was.
        await deps.store.update(id, spec, enabled);
        const updated = await deps.store.get(id);
        return { ...updated!.website, taskId, note: result.note };
      },
    );

    app.delete(
      '/websites/:id',
      {
        config: { audit: 'website.delete' },
        schema: {
          tags: ['websites'],
          summary: 'Deletes a site from nginx and PHP-FPM; its files too unless keepFiles (the default)',
          params: idParams,
          querystring: websiteDeleteQuerySchema,
          response: { 200: z.object({ removedFiles: z.boolean(), taskId: z.string() }), ...failures },
        },
      },
      async (request) => {
        const { id } = request.params;
        const found = await deps.store.get(id);
        if (!found) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such website');
        const keepFiles = request.query.keepFiles === 'true';
        const credentials = agentCredentialsOf(request);
        const { result, taskId } = await change(
          request,
          `Delete ${found.spec.domains[0]}`,
          'website.delete',
          { id, keepFiles },
          async (options) =>
            deps.agent.call(
              'websites.remove',
              { site: await record(id, found.spec, found.website.enabled), keepFiles },
              credentials,
              options,
            ),
        );
        await deps.store.remove(id);
        return { removedFiles: result.removedFiles, taskId };
      },
    );

    app.get(
      '/websites/:id/logs',
      {
        schema: {
          tags: ['websites'],
          summary: "The last lines of the site's access or error log, optionally only those holding a text",
          params: idParams,
          querystring: websiteLogQuerySchema,
          response: { 200: websiteLogSchema, ...failures },
        },
      },
      async (request) => {
        if (!(await deps.store.get(request.params.id)))
          throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such website');
        return deps.agent.call(
          'websites.logs',
          { id: request.params.id, ...request.query },
          agentCredentialsOf(request),
        );
      },
    );

    app.get(
      '/websites/:id/config',
      {
        schema: {
          tags: ['websites'],
          summary: "The site's nginx (and PHP-FPM) files as they are on disk, read-only",
          params: idParams,
          response: {
            200: z.object({ files: z.array(z.object({ path: z.string(), content: z.string() })) }),
            ...failures,
          },
        },
      },
      async (request) => {
        if (!(await deps.store.get(request.params.id)))
          throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such website');
        return deps.agent.call('websites.files', { id: request.params.id }, agentCredentialsOf(request));
      },
    );
  };
}
