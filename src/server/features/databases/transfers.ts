import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import type { AgentCredentials } from '../../../contract/agent-ops.js';
import { exportFileNameSchema, type importBodySchema } from '../../../contract/databases.js';
import { DiwanError } from '../../../contract/errors.js';
import type { TaskView } from '../../../contract/tasks.js';
import type { AgentClient } from '../../agent/client.js';
import type { DatabaseRecord } from '../../db/schema.js';
import type { TaskRunner } from '../../tasks/task-runner.js';
import { exportDirOf, uploadDirOf, uploadPathOf } from './files.js';
import type { DatabaseStore } from './store.js';

/** Largest dump a user may upload. */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024 * 1024;

export interface TransferDeps {
  store: DatabaseStore;
  agent: AgentClient;
  tasks: TaskRunner;
  dataDir: string;
  now: () => number;
}

/**
 * Import and export: tasks that run the agent's dump and restore, the uploads they read and the
 * exports the user downloads. Both live in the data dir; the agent reads and writes them as root.
 */
export function createDatabaseTransfers(deps: TransferDeps) {
  async function record(id: string): Promise<DatabaseRecord> {
    const found = await deps.store.get(id);
    if (!found) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such database', 'id');
    return found;
  }

  function exportPath(id: string, file: string): string {
    if (!exportFileNameSchema.safeParse(file).success || !file.startsWith(`${id}-`))
      throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such export', 'file');
    return join(exportDirOf(deps.dataDir), file);
  }

  return {
    async startExport(id: string, actor: string | null, auth: AgentCredentials | null): Promise<TaskView> {
      const database = await record(id);
      const file = `${id}-${String(deps.now()).padStart(13, '0')}.sql.gz`;
      const input = { engine: database.engine, name: database.name, file };
      return deps.tasks.submit({
        kind: 'database.export',
        title: `Export ${database.name}`,
        input: { databaseId: id, ...input },
        createdBy: actor,
        cancellable: true,
        run: async (context) => {
          const result = await deps.agent.call('databases.export', input, auth, {
            onEvent: context.onAgentEvent,
            signal: context.signal,
          });
          return { ...result, download: `/api/v1/databases/${id}/exports/${result.file}` };
        },
      });
    },

    async listExports(id: string) {
      await record(id);
      const names = await readdir(exportDirOf(deps.dataDir)).catch(() => [] as string[]);
      const files = names.filter(
        (name) => name.startsWith(`${id}-`) && exportFileNameSchema.safeParse(name).success,
      );
      const rows = await Promise.all(
        files.map(async (file) => {
          const info = await stat(exportPath(id, file));
          return { file, sizeBytes: info.size, createdAt: Math.round(info.mtimeMs) };
        }),
      );
      return rows.sort((a, b) => b.createdAt - a.createdAt);
    },

    /** The dump and the name it downloads under (the database's name, not our id). */
    async openExport(id: string, file: string): Promise<{ stream: Readable; name: string; size: number }> {
      const database = await record(id);
      const path = exportPath(id, file);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such export', 'file');
      const stamp = file.slice(id.length + 1, -'.sql.gz'.length);
      return { stream: createReadStream(path), name: `${database.name}-${stamp}.sql.gz`, size: info.size };
    },

    async deleteExport(id: string, file: string) {
      await record(id);
      await rm(exportPath(id, file), { force: true });
      return { ok: true as const };
    },

    /** Keeps an uploaded dump (.sql or .sql.gz) under a new id for an import to read. */
    async saveUpload(body: Readable) {
      await mkdir(uploadDirOf(deps.dataDir), { recursive: true, mode: 0o700 });
      const id = randomUUID();
      const path = uploadPathOf(deps.dataDir, id);
      let size = 0;
      let head: Buffer | null = null;
      const guard = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          head ??= chunk.subarray(0, 2);
          size += chunk.length;
          if (size > MAX_UPLOAD_BYTES)
            return done(
              new DiwanError('DIWAN_E_BODY_TOO_LARGE', `A dump may be at most ${MAX_UPLOAD_BYTES} bytes`),
            );
          done(null, chunk);
        },
      });
      const handle = await open(path, 'wx', 0o600);
      try {
        await pipeline(body, guard, handle.createWriteStream());
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
      if (size === 0) {
        await rm(path, { force: true });
        throw new DiwanError('DIWAN_E_VALIDATION', 'body: the upload is empty', 'body');
      }
      const first = head as Buffer | null;
      return { id, sizeBytes: size, compressed: first?.[0] === 0x1f && first[1] === 0x8b };
    },

    async startImport(
      id: string,
      body: z.output<typeof importBodySchema>,
      actor: string | null,
      auth: AgentCredentials | null,
    ): Promise<TaskView> {
      const database = await record(id);
      const owner = (await deps.store.usersOf(id)).find((user) => user.owner === 1);
      if (!owner) throw new DiwanError('DIWAN_E_CONFLICT', 'The database has no owner to import as', 'id');
      const upload = body.upload ? uploadPathOf(deps.dataDir, body.upload) : null;
      if (upload && !(await stat(upload).catch(() => null)))
        throw new DiwanError('DIWAN_E_VALIDATION', 'upload: no such upload', 'upload');
      const input = {
        engine: database.engine,
        name: database.name,
        owner: owner.username,
        ...(body.upload ? { upload: body.upload } : { path: body.path! }),
      };
      return deps.tasks.submit({
        kind: 'database.import',
        title: `Import into ${database.name}`,
        input: { databaseId: id, ...input },
        createdBy: actor,
        cancellable: true,
        run: async (context) => {
          try {
            return await deps.agent.call('databases.import', input, auth, {
              onEvent: context.onAgentEvent,
              signal: context.signal,
            });
          } finally {
            // An upload is read once; a server path is the user's file and stays.
            if (upload) await rm(upload, { force: true });
          }
        },
      });
    },
  };
}

export type DatabaseTransfers = ReturnType<typeof createDatabaseTransfers>;
