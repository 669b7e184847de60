import type { AgentInput } from '../../../contract/agent-ops.js';
import type { DatabaseEngine } from '../../../contract/databases.js';
import { DiwanError } from '../../../contract/errors.js';
import type { Handler } from '../../dispatch.js';
import type { DatabaseServer } from './engine.js';
import { setRemoteAccess, type HbaTarget } from './pg-hba.js';
import { createDumps, type DumpDeps } from './dumps.js';

export interface DatabaseOpsDeps {
  servers: Record<DatabaseEngine, DatabaseServer>;
  /** PostgreSQL's pg_hba.conf, where remote access for roles is granted. */
  hba: HbaTarget;
  dumps: Pick<DumpDeps, 'dataDir' | 'mariadb' | 'postgres' | 'postgresImport'>;
}

/** Undo steps of a change made of several statements: run newest first when a later step fails. */
class Undo {
  private readonly steps: (() => Promise<void>)[] = [];
  push(step: () => Promise<void>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
  }
}

/**
 * Databases and users on the host's servers. The web tier decides which users go with a database
 * and keeps the records; the agent checks names again (the contract's schemas), refuses to touch
 * what exists already, and undoes a half-made change.
 */
export function createDatabaseOps(deps: DatabaseOpsDeps) {
  const server = (engine: DatabaseEngine) => deps.servers[engine];
  const dumps = createDumps({
    ...deps.dumps,
    sizeOf: async (engine, name) => (await server(engine).list([name]))[0]?.sizeBytes ?? 0,
    exists: (engine, name) => server(engine).databaseExists(name),
  });

  async function liveOf(engine: DatabaseEngine, name: string) {
    const [live] = await server(engine).list([name]);
    if (!live)
      throw new DiwanError('DIWAN_E_NOT_FOUND', `${server(engine).label} has no database ${name}`, 'name');
    return live;
  }

  async function refuseExisting(db: DatabaseServer, input: { name?: string; username?: string }) {
    if (input.name !== undefined && (await db.databaseExists(input.name)))
      throw new DiwanError('DIWAN_E_CONFLICT', `${db.label} already has a database ${input.name}`, 'name');
    if (input.username !== undefined && (await db.userExists(input.username)))
      throw new DiwanError(
        'DIWAN_E_CONFLICT',
        `${db.label} already has a user ${input.username}`,
        'username',
      );
  }

  const list: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.list'>;
    const db = server(input.engine);
    const [databases, connection] = await Promise.all([db.list(input.names), db.connection()]);
    return { databases, connection };
  };

  const create: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.create'>;
    const db = server(input.engine);
    await refuseExisting(db, input);
    const undo = new Undo();
    try {
      await db.createUser(input.username, input.hosts, input.password);
      undo.push(() => db.dropUser(input.username, input.hosts));
      await db.createDatabase({
        name: input.name,
        owner: input.username,
        charset: input.charset,
        collation: input.collation,
      });
      undo.push(() => db.dropDatabase(input.name));
      await db.grant(input.name, input.username, input.hosts);
    } catch (error) {
      await undo.run();
      throw error;
    }
    return liveOf(input.engine, input.name);
  };

  const alter: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.alter'>;
    await liveOf(input.engine, input.name);
    await server(input.engine).alterDatabase(input);
    return liveOf(input.engine, input.name);
  };

  const drop: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.drop'>;
    const db = server(input.engine);
    for (const user of input.revoke ?? []) await db.revoke(input.name, user.username, user.hosts);
    await db.dropDatabase(input.name);
    for (const user of input.dropUsers ?? []) await db.dropUser(user.username, user.hosts);
    if (input.engine === 'postgresql' && input.dropUsers)
      await setRemoteAccess(deps.hba, { disable: input.dropUsers.map((user) => user.username) });
    return { ok: true };
  };

  const createUser: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.createUser'>;
    const db = server(input.engine);
    await liveOf(input.engine, input.name);
    await refuseExisting(db, { username: input.username });
    await db.createUser(input.username, input.hosts, input.password);
    try {
      await db.grant(input.name, input.username, input.hosts);
    } catch (error) {
      await db.dropUser(input.username, input.hosts).catch(() => undefined);
      throw error;
    }
    return { ok: true };
  };

  const dropUser: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.dropUser'>;
    await server(input.engine).dropUser(input.username, input.hosts);
    if (input.engine === 'postgresql') await setRemoteAccess(deps.hba, { disable: [input.username] });
    return { ok: true };
  };

  const remoteAccess: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.remoteAccess'>;
    const db = server('postgresql');
    const enable = input.access === 'remote';
    if (enable && !(await db.userExists(input.username)))
      throw new DiwanError('DIWAN_E_NOT_FOUND', `${db.label} has no role ${input.username}`, 'username');
    await setRemoteAccess(deps.hba, enable ? { enable: [input.username] } : { disable: [input.username] });
    return { ok: true };
  };

  const setPassword: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.setPassword'>;
    const db = server(input.engine);
    if (!(await db.userExists(input.username)))
      throw new DiwanError('DIWAN_E_NOT_FOUND', `${db.label} has no user ${input.username}`, 'username');
    await db.setPassword(input.username, input.hosts, input.password);
    return { ok: true };
  };

  /** Adds the new accounts first (password, grants), then drops the old: never a user with none. */
  const setHosts: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.setHosts'>;
    const db = server('mariadb');
    if (!(await db.userExists(input.username)))
      throw new DiwanError('DIWAN_E_NOT_FOUND', `${db.label} has no user ${input.username}`, 'username');
    const added = input.to.filter((host) => !input.from.includes(host));
    const removed = input.from.filter((host) => !input.to.includes(host));
    const undo = new Undo();
    try {
      for (const host of added) {
        await db.createUser(input.username, [host], input.password);
        undo.push(() => db.dropUser(input.username, [host]));
        for (const name of input.names) await db.grant(name, input.username, [host]);
      }
    } catch (error) {
      await undo.run();
      throw error;
    }
    await db.dropUser(input.username, removed);
    return { ok: true };
  };

  const grant: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.grant'>;
    await liveOf(input.engine, input.name);
    await server(input.engine).grant(input.name, input.username, input.hosts);
    return { ok: true };
  };

  const revoke: Handler = async (raw) => {
    const input = raw as AgentInput<'databases.revoke'>;
    await server(input.engine).revoke(input.name, input.username, input.hosts);
    return { ok: true };
  };

  return {
    list,
    create,
    alter,
    drop,
    createUser,
    dropUser,
    setPassword,
    setHosts,
    grant,
    revoke,
    remoteAccess,
    export: (async (raw, context) =>
      dumps.exportDatabase(raw as AgentInput<'databases.export'>, context)) satisfies Handler,
    import: (async (raw, context) =>
      dumps.importDatabase(raw as AgentInput<'databases.import'>, context)) satisfies Handler,
    async close() {
      await Promise.all(Object.values(deps.servers).map((db) => db.close()));
    },
  };
}
