import { randomInt } from 'node:crypto';
import type { z } from 'zod';
import type { AgentCredentials } from '../../../contract/agent-ops.js';
import type {
  createDatabaseBodySchema,
  createDatabaseUserBodySchema,
  DatabaseEngine,
  DatabaseLive,
  updateDatabaseBodySchema,
  updateDatabaseUserBodySchema,
} from '../../../contract/databases.js';
import { adoptDatabaseBodySchema } from '../../../contract/databases.js';
import { DiwanError } from '../../../contract/errors.js';
import type { AgentClient } from '../../agent/client.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { DatabaseRecord, DatabaseUserRecord } from '../../db/schema.js';
import type { DatabaseStore, GrantedUser } from './store.js';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const GENERATED_LENGTH = 24;

/** 24 characters from 57: about 140 bits, and nothing that needs quoting anywhere. */
export function generatePassword(): string {
  let password = '';
  for (let i = 0; i < GENERATED_LENGTH; i++)
    password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

const sealContext = (userId: string) => `database-user:${userId}`;
const hostsOf = (user: DatabaseUserRecord): string[] => JSON.parse(user.hosts) as string[];
/** PostgreSQL roles have no hosts; the agent's account shape still wants one. */
const agentHosts = (user: DatabaseUserRecord) => {
  const hosts = hostsOf(user);
  return hosts.length > 0 ? hosts : ['localhost'];
};

export interface DatabaseServiceDeps {
  store: DatabaseStore;
  agent: AgentClient;
  box: SecretBox;
  /** The panel's own database when it lives on MariaDB or PostgreSQL: never listed or taken in. */
  panelDatabase?: { engine: DatabaseEngine; name: string } | null;
}

/** The panel database's engine and name, when `DIWAN_DATABASE_URL` puts it on a server Diwan manages. */
export function panelDatabaseOf(
  database: { dialect: string; url: string },
  nameOf: (url: string) => string,
): { engine: DatabaseEngine; name: string } | null {
  if (database.dialect === 'mysql') return { engine: 'mariadb', name: nameOf(database.url) };
  if (database.dialect === 'postgres') return { engine: 'postgresql', name: nameOf(database.url) };
  return null;
}

/**
 * Decisions about databases: which users go with a database, generated passwords, sealed storage,
 * and keeping the panel's records and the servers in step (the server first; a record that cannot be
 * written undoes the server's change).
 */
export function createDatabaseService(deps: DatabaseServiceDeps) {
  const { store, agent, box } = deps;
  const isPanelDatabase = (engine: DatabaseEngine, name: string) =>
    deps.panelDatabase?.engine === engine && deps.panelDatabase.name === name;

  function userView(user: GrantedUser) {
    return {
      id: user.id,
      username: user.username,
      hosts: hostsOf(user),
      remoteAccess: user.remote_access === 1,
      owner: user.owner === 1,
      createdAt: user.created_at,
      updatedAt: user.updated_at,
    };
  }

  function view(record: DatabaseRecord, live: DatabaseLive | undefined) {
    return {
      id: record.id,
      engine: record.engine,
      name: record.name,
      charset: live?.charset ?? record.charset,
      collation: live?.collation ?? record.collation,
      createdAt: record.created_at,
      live: live
        ? { sizeBytes: live.sizeBytes, tables: live.tables, charset: live.charset, collation: live.collation }
        : null,
    };
  }

  async function record(id: string): Promise<DatabaseRecord> {
    const found = await store.get(id);
    if (!found) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such database', 'id');
    return found;
  }

  async function grantedUser(database: DatabaseRecord, userId: string): Promise<GrantedUser> {
    const user = (await store.usersOf(database.id)).find((u) => u.id === userId);
    if (!user) throw new DiwanError('DIWAN_E_NOT_FOUND', 'No such user on this database', 'userId');
    return user;
  }

  async function detail(database: DatabaseRecord, auth: AgentCredentials | null) {
    const [listed, users] = await Promise.all([
      agent.call('databases.list', { engine: database.engine, names: [database.name] }, auth),
      store.usersOf(database.id),
    ]);
    const owner = users.find((user) => user.owner === 1) ?? users[0];
    return {
      ...view(database, listed.databases[0]),
      users: users.map(userView),
      connection: { ...listed.connection, database: database.name, username: owner?.username ?? '' },
    };
  }

  /** Names must be free on the server (the agent checks) and in the panel's records. */
  async function refuseTaken(engine: DatabaseEngine, input: { name?: string; username?: string }) {
    if (input.name !== undefined && (await store.findByName(engine, input.name)))
      throw new DiwanError('DIWAN_E_CONFLICT', `A database named ${input.name} exists already`, 'name');
    if (input.username !== undefined && (await store.findUser(engine, input.username)))
      throw new DiwanError('DIWAN_E_CONFLICT', `A user named ${input.username} exists already`, 'username');
  }

  return {
    async list(engine: DatabaseEngine | undefined, auth: AgentCredentials | null) {
      const records = await store.list(engine);
      const engines = [...new Set(records.map((r) => r.engine))];
      const live = new Map<string, DatabaseLive>();
      await Promise.all(
        engines.map(async (name) => {
          const names = records.filter((r) => r.engine === name).map((r) => r.name);
          try {
            const listed = await agent.call('databases.list', { engine: name, names }, auth);
            for (const db of listed.databases) live.set(`${name}:${db.name}`, db);
          } catch (error) {
            // A server that is down leaves its databases listed without live figures.
            if (
              !(error instanceof DiwanError) ||
              !['DIWAN_E_UNAVAILABLE', 'DIWAN_E_HOST_COMMAND'].includes(error.code)
            )
              throw error;
          }
        }),
      );
      return records.map((r) => view(r, live.get(`${r.engine}:${r.name}`)));
    },

    /** Databases on the engine's server that Diwan has no record of, and whether each can be taken in. */
    async unmanaged(engine: DatabaseEngine, auth: AgentCredentials | null) {
      const [listed, records] = await Promise.all([
        agent.call('databases.list', { engine }, auth),
        store.list(engine),
      ]);
      const known = new Set(records.map((record) => record.name));
      return listed.databases
        .filter((live) => !known.has(live.name) && !isPanelDatabase(engine, live.name))
        .map((live) => {
          const checked = adoptDatabaseBodySchema.safeParse({ engine, name: live.name });
          return {
            name: live.name,
            sizeBytes: live.sizeBytes,
            tables: live.tables,
            adoptable: checked.success,
            reason: checked.success ? null : (checked.error.issues[0]?.message ?? 'not a name Diwan accepts'),
          };
        });
    },

    /** Takes an existing database into Diwan's records (nothing on the server changes). */
    async adopt(
      body: z.output<typeof adoptDatabaseBodySchema>,
      actor: string | null,
      auth: AgentCredentials | null,
    ) {
      if (isPanelDatabase(body.engine, body.name))
        throw new DiwanError('DIWAN_E_CONFLICT', `${body.name} is the panel's own database`, 'name');
      await refuseTaken(body.engine, { name: body.name });
      const listed = await agent.call('databases.list', { engine: body.engine, names: [body.name] }, auth);
      const live = listed.databases.find((database) => database.name === body.name);
      if (!live)
        throw new DiwanError('DIWAN_E_NOT_FOUND', `There is no database ${body.name} on this server`, 'name');
      const id = await store.insertAdopted({
        engine: body.engine,
        name: body.name,
        charset: live.charset,
        collation: live.collation,
        createdBy: actor,
      });
      return detail(await record(id), auth);
    },

    async get(id: string, auth: AgentCredentials | null) {
      return detail(await record(id), auth);
    },

    async create(
      body: z.output<typeof createDatabaseBodySchema>,
      actor: string | null,
      auth: AgentCredentials | null,
    ) {
      await refuseTaken(body.engine, body);
      const generated = body.password === undefined;
      const password = body.password ?? generatePassword();
      const hosts = body.engine === 'mariadb' ? (body.hosts ?? ['localhost']) : [];
      await agent.call(
        'databases.create',
        {
          engine: body.engine,
          name: body.name,
          username: body.username,
          hosts: hosts.length > 0 ? hosts : ['localhost'],
          password,
          ...(body.charset ? { charset: body.charset } : {}),
          ...(body.collation ? { collation: body.collation } : {}),
        },
        auth,
      );
      let ids: { databaseId: string };
      try {
        ids = await store.insertDatabase({
          engine: body.engine,
          name: body.name,
          charset: body.charset ?? null,
          collation: body.collation ?? null,
          createdBy: actor,
          user: {
            username: body.username,
            hosts,
            sealPassword: (userId) => box.seal(password, sealContext(userId)),
          },
        });
      } catch (error) {
        await agent
          .call(
            'databases.drop',
            {
              engine: body.engine,
              name: body.name,
              dropUsers: [{ username: body.username, hosts: hosts.length > 0 ? hosts : ['localhost'] }],
            },
            auth,
          )
          .catch(() => undefined);
        throw error;
      }
      const created = await detail(await record(ids.databaseId), auth);
      return generated ? { ...created, password } : created;
    },

    async update(id: string, body: z.output<typeof updateDatabaseBodySchema>, auth: AgentCredentials | null) {
      const database = await record(id);
      if (body.charset === undefined && body.collation === undefined) return detail(database, auth);
      const live = await agent.call(
        'databases.alter',
        { engine: database.engine, name: database.name, ...body },
        auth,
      );
      await store.updateDatabase(id, { charset: live.charset, collation: live.collation });
      return detail(await record(id), auth);
    },

    /** Drops the database, revokes its other users, and drops the users that had only this database. */
    async remove(id: string, confirm: string, auth: AgentCredentials | null) {
      const database = await record(id);
      if (confirm !== database.name)
        throw new DiwanError('DIWAN_E_VALIDATION', 'confirm: give the database name to confirm', 'confirm');
      const users = await store.usersOf(id);
      const keep: GrantedUser[] = [];
      const drop: GrantedUser[] = [];
      for (const user of users) ((await store.grantCount(user.id)) > 1 ? keep : drop).push(user);
      const account = (user: GrantedUser) => ({ username: user.username, hosts: agentHosts(user) });
      await agent.call(
        'databases.drop',
        {
          engine: database.engine,
          name: database.name,
          ...(users.length > 0 ? { revoke: users.map(account) } : {}),
          ...(drop.length > 0 ? { dropUsers: drop.map(account) } : {}),
        },
        auth,
      );
      await store.deleteDatabase(
        id,
        drop.map((user) => user.id),
      );
      return { ok: true as const };
    },

    async users(id: string) {
      return (await store.usersOf((await record(id)).id)).map(userView);
    },

    async createUser(
      id: string,
      body: z.output<typeof createDatabaseUserBodySchema>,
      auth: AgentCredentials | null,
    ) {
      const database = await record(id);
      if (database.engine === 'postgresql' && body.hosts !== undefined)
        throw new DiwanError('DIWAN_E_VALIDATION', 'hosts: PostgreSQL roles take no hosts', 'hosts');
      await refuseTaken(database.engine, { username: body.username });
      const generated = body.password === undefined;
      const password = body.password ?? generatePassword();
      const hosts = database.engine === 'mariadb' ? (body.hosts ?? ['localhost']) : [];
      const account = {
        engine: database.engine,
        username: body.username,
        hosts: hosts.length > 0 ? hosts : ['localhost'],
      };
      await agent.call('databases.createUser', { ...account, name: database.name, password }, auth);
      let userId: string;
      try {
        userId = await store.insertUser({
          databaseId: id,
          engine: database.engine,
          username: body.username,
          hosts,
          sealPassword: (newId) => box.seal(password, sealContext(newId)),
        });
      } catch (error) {
        await agent.call('databases.dropUser', account, auth).catch(() => undefined);
        throw error;
      }
      const user = userView(await grantedUser(database, userId));
      return generated ? { ...user, password } : user;
    },

    /** Grants a user of another database of the same engine on this one. */
    async grant(id: string, userId: string, auth: AgentCredentials | null) {
      const database = await record(id);
      const user = await store.getUser(userId);
      if (!user || user.engine !== database.engine)
        throw new DiwanError('DIWAN_E_NOT_FOUND', `No such ${database.engine} user`, 'userId');
      if ((await store.usersOf(id)).some((u) => u.id === userId)) return userView({ ...user, owner: 0 });
      await agent.call(
        'databases.grant',
        { engine: database.engine, name: database.name, username: user.username, hosts: agentHosts(user) },
        auth,
      );
      await store.insertGrant(id, userId);
      return userView(await grantedUser(database, userId));
    },

    /** Takes a user off this database; a user left with no database is dropped. The owner stays. */
    async revoke(id: string, userId: string, auth: AgentCredentials | null) {
      const database = await record(id);
      const user = await grantedUser(database, userId);
      if (user.owner === 1)
        throw new DiwanError(
          'DIWAN_E_CONFLICT',
          'The owner goes with the database: delete the database',
          'userId',
        );
      const account = { engine: database.engine, username: user.username, hosts: agentHosts(user) };
      await agent.call('databases.revoke', { ...account, name: database.name }, auth);
      if ((await store.grantCount(userId)) > 1) await store.deleteGrant(id, userId);
      else {
        await agent.call('databases.dropUser', account, auth);
        await store.deleteUser(userId);
      }
      return { ok: true as const };
    },

    async updateUser(
      id: string,
      userId: string,
      body: z.output<typeof updateDatabaseUserBodySchema>,
      auth: AgentCredentials | null,
    ) {
      const database = await record(id);
      const user = await grantedUser(database, userId);
      if (body.password !== undefined && body.generate)
        throw new DiwanError(
          'DIWAN_E_VALIDATION',
          'generate: give a password or ask for one, not both',
          'generate',
        );
      if (body.hosts !== undefined && database.engine !== 'mariadb')
        throw new DiwanError(
          'DIWAN_E_VALIDATION',
          'hosts: PostgreSQL roles take no hosts: turn on remote access instead',
          'hosts',
        );
      if (body.remoteAccess !== undefined && database.engine !== 'postgresql')
        throw new DiwanError(
          'DIWAN_E_VALIDATION',
          'remoteAccess: MariaDB users say where they connect from with their hosts',
          'remoteAccess',
        );
      let password: string | undefined;
      if (body.password !== undefined || body.generate) {
        password = body.password ?? generatePassword();
        await agent.call(
          'databases.setPassword',
          { engine: database.engine, username: user.username, hosts: agentHosts(user), password },
          auth,
        );
        await store.updateUser(userId, { password_sealed: box.seal(password, sealContext(userId)) });
      }
      if (body.remoteAccess !== undefined && body.remoteAccess !== (user.remote_access === 1)) {
        await agent.call(
          'databases.remoteAccess',
          { username: user.username, access: body.remoteAccess ? 'remote' : 'local' },
          auth,
        );
        await store.updateUser(userId, { remote_access: body.remoteAccess ? 1 : 0 });
      }
      const hosts = hostsOf(user);
      if (body.hosts !== undefined && body.hosts.join(' ') !== hosts.join(' ')) {
        const databases = (await store.usersWithDatabases('mariadb')).find((u) => u.id === userId);
        await agent.call(
          'databases.setHosts',
          {
            username: user.username,
            from: agentHosts(user),
            to: body.hosts,
            password: password ?? box.open(user.password_sealed, sealContext(userId)),
            names: databases?.databases ?? [database.name],
          },
          auth,
        );
        await store.updateUser(userId, { hosts: JSON.stringify(body.hosts) });
      }
      const updated = userView(await grantedUser(database, userId));
      return body.generate ? { ...updated, password } : updated;
    },

    async engineUsers(engine: DatabaseEngine) {
      return (await store.usersWithDatabases(engine)).map((user) => ({
        id: user.id,
        username: user.username,
        hosts: JSON.parse(user.hosts) as string[],
        databases: user.databases,
      }));
    },

    async revealPassword(id: string, userId: string) {
      const user = await grantedUser(await record(id), userId);
      return { username: user.username, password: box.open(user.password_sealed, sealContext(user.id)) };
    },
  };
}

export type DatabaseService = ReturnType<typeof createDatabaseService>;
