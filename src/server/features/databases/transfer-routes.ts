import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { idParamsSchema, okSchema } from '../../../contract/auth.js';
import { exportFileSchema, importBodySchema, uploadSchema } from '../../../contract/databases.js';
import { DiwanError, errorBodySchema, errorResponses } from '../../../contract/errors.js';
import { taskSchema } from '../../../contract/tasks.js';
import { agentCredentialsOf } from '../../agent/credentials.js';
import type { DatabaseTransfers } from './transfers.js';

const failures = errorResponses(400, 403, 404, 409);
const exportParams = z.object({ id: z.uuid(), file: z.string().max(80) });
const DUMP_TYPES = ['application/octet-stream', 'application/gzip', 'application/sql'];

/** Import and export of a database's contents: uploads, tasks, and the dumps to download. */
export function databaseTransferRoutes(deps: { transfers: DatabaseTransfers }): FastifyPluginAsyncZod {
  const { transfers } = deps;
  return async (app) => {
    // The dump is streamed to disk as it arrives, never held in memory: the body stays a stream here
    // (this plugin only), and saveUpload caps its size itself.
    app.addContentTypeParser(DUMP_TYPES, (_request, payload, done) => done(null, payload));

    app.post(
      '/databases/uploads',
      {
        config: { audit: 'database.upload' },
        schema: {
          tags: ['databases'],
          summary: 'Uploads a .sql or .sql.gz dump (raw body) for an import',
          response: { 201: uploadSchema, ...failures, 413: errorBodySchema, 415: errorBodySchema },
        },
      },
      async (request, reply) => {
        // A JSON body is parsed by the app's own parser into an object: not a dump.
        if (!(request.body instanceof Readable))
          throw new DiwanError(
            'DIWAN_E_UNSUPPORTED_MEDIA_TYPE',
            `Send the dump as the raw body, typed ${DUMP_TYPES.join(', ')}`,
          );
        return reply.code(201).send(await transfers.saveUpload(request.body));
      },
    );

    app.post(
      '/databases/:id/export',
      {
        config: { audit: 'database.export' },
        schema: {
          tags: ['databases'],
          summary: 'Dumps the database to a gzipped file, as a task (202); its result names the download',
          params: idParamsSchema,
          response: { 202: taskSchema, ...failures },
        },
      },
      async (request, reply) => {
        const actor = request.principal?.user.username ?? null;
        const task = await transfers.startExport(request.params.id, actor, agentCredentialsOf(request));
        return reply.code(202).send(task);
      },
    );

    app.post(
      '/databases/:id/import',
      {
        config: { audit: 'database.import' },
        schema: {
          tags: ['databases'],
          summary: 'Imports an uploaded dump or a .sql/.sql.gz file on the server, as a task (202)',
          params: idParamsSchema,
          body: importBodySchema,
          response: { 202: taskSchema, ...failures },
        },
      },
      async (request, reply) => {
        const actor = request.principal?.user.username ?? null;
        const task = await transfers.startImport(
          request.params.id,
          request.body,
          actor,
          agentCredentialsOf(request),
        );
        return reply.code(202).send(task);
      },
    );

    app.get(
      '/databases/:id/exports',
      {
        schema: {
          tags: ['databases'],
          summary: 'Dumps of the database ready to download, newest first',
          params: idParamsSchema,
          response: { 200: z.object({ exports: z.array(exportFileSchema) }), ...failures },
        },
      },
      async (request) => ({ exports: await transfers.listExports(request.params.id) }),
    );

    app.get(
      '/databases/:id/exports/:file',
      {
        schema: {
          tags: ['databases'],
          summary: 'Downloads a dump (application/gzip)',
          params: exportParams,
          response: { 200: z.unknown().describe('The gzipped dump'), ...failures },
        },
      },
      async (request, reply) => {
        const dump = await transfers.openExport(request.params.id, request.params.file);
        return reply
          .type('application/gzip')
          .header('content-length', dump.size)
          .header('content-disposition', `attachment; filename="${dump.name}"`)
          .send(dump.stream);
      },
    );

    app.delete(
      '/databases/:id/exports/:file',
      {
        config: { audit: 'database.export.delete' },
        schema: {
          tags: ['databases'],
          summary: 'Deletes a dump',
          params: exportParams,
          response: { 200: okSchema, ...failures },
        },
      },
      async (request) => transfers.deleteExport(request.params.id, request.params.file),
    );
  };
}
