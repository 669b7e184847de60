import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DatabaseEngine } from '../../../contract/databases.js';
import type { Database, DatabaseRecord, DatabaseUserRecord } from '../../db/schema.js';

export interface GrantedUser extends DatabaseUserRecord {
  owner: 0 | 1;
}

function insertUserRow(
  trx: Kysely<Database>,
  id: string,
  engine: DatabaseEngine,
  username: string,
  hosts: string[],
  sealPassword: (userId: string) => string,
  at: number,
) {
  return trx
    .insertInto('database_users')
    .values({
      id,
      engine,
      username,
      hosts: JSON.stringify(hosts),
      password_sealed: sealPassword(id),
      created_at: at,
      updated_at: at,
    })
    .execute();
}

/** The panel's records of databases, their users and grants; the servers themselves are the agent's. */
export function createDatabaseStore(db: Kysely<Database>, now: () => number) {
  return {
    async list(engine?: DatabaseEngine): Promise<DatabaseRecord[]> {
      let query = db.selectFrom('databases').selectAll();
      if (engine) query = query.where('engine', '=', engine);
      return query.orderBy('engine').orderBy('name').execute();
    },

    get: (id: string) => db.selectFrom('databases').selectAll().where('id', '=', id).executeTakeFirst(),

    getUser: (id: string) =>
      db.selectFrom('database_users').selectAll().where('id', '=', id).executeTakeFirst(),

    findByName: (engine: DatabaseEngine, name: string) =>
      db
        .selectFrom('databases')
        .selectAll()
        .where('engine', '=', engine)
        .where('name', '=', name)
        .executeTakeFirst(),

    findUser: (engine: DatabaseEngine, username: string) =>
      db
        .selectFrom('database_users')
        .selectAll()
        .where('engine', '=', engine)
        .where('username', '=', username)
        .executeTakeFirst(),

    /** The users granted on a database, its owner first. */
    async usersOf(databaseId: string): Promise<GrantedUser[]> {
      return db
        .selectFrom('database_grants as g')
        .innerJoin('database_users as u', 'u.id', 'g.user_id')
        .selectAll('u')
        .select('g.owner')
        .where('g.database_id', '=', databaseId)
        .orderBy('g.owner', 'desc')
        .orderBy('u.username')
        .execute();
    },

    /** Every user of an engine with the names of the databases it is granted on. */
    async usersWithDatabases(engine: DatabaseEngine) {
      const rows = await db
        .selectFrom('database_users as u')
        .leftJoin('database_grants as g', 'g.user_id', 'u.id')
        .leftJoin('databases as d', 'd.id', 'g.database_id')
        .select(['u.id', 'u.username', 'u.hosts', 'd.name'])
        .where('u.engine', '=', engine)
        .orderBy('u.username')
        .orderBy('d.name')
        .execute();
      const users = new Map<string, { id: string; username: string; hosts: string; databases: string[] }>();
      for (const row of rows) {
        const user = users.get(row.id) ?? {
          id: row.id,
          username: row.username,
          hosts: row.hosts,
          databases: [],
        };
        if (row.name) user.databases.push(row.name);
        users.set(row.id, user);
      }
      return [...users.values()];
    },

    async grantCount(userId: string): Promise<number> {
      const row = await db
        .selectFrom('database_grants')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** A database with the user made for it, in one transaction. */
    /** A database Diwan did not make: its record alone, no user. */
    async insertAdopted(input: {
      engine: DatabaseEngine;
      name: string;
      charset: string | null;
      collation: string | null;
      createdBy: string | null;
    }): Promise<string> {
      const at = now();
      const id = randomUUID();
      await db
        .insertInto('databases')
        .values({
          id,
          engine: input.engine,
          name: input.name,
          charset: input.charset,
          collation: input.collation,
          created_by: input.createdBy,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return id;
    },

    async insertDatabase(input: {
      engine: DatabaseEngine;
      name: string;
      charset: string | null;
      collation: string | null;
      createdBy: string | null;
      user: { username: string; hosts: string[]; sealPassword: (userId: string) => string };
    }): Promise<{ databaseId: string; userId: string }> {
      const at = now();
      const databaseId = randomUUID();
      const userId = randomUUID();
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('databases')
          .values({
            id: databaseId,
            engine: input.engine,
            name: input.name,
            charset: input.charset,
            collation: input.collation,
            created_by: input.createdBy,
            created_at: at,
            updated_at: at,
          })
          .execute();
        await insertUserRow(
          trx,
          userId,
          input.engine,
          input.user.username,
          input.user.hosts,
          input.user.sealPassword,
          at,
        );
        await trx
          .insertInto('database_grants')
          .values({ database_id: databaseId, user_id: userId, owner: 1, created_at: at })
          .execute();
      });
      return { databaseId, userId };
    },

    async insertUser(input: {
      databaseId: string;
      engine: DatabaseEngine;
      username: string;
      hosts: string[];
      sealPassword: (userId: string) => string;
    }): Promise<string> {
      const at = now();
      const userId = randomUUID();
      await db.transaction().execute(async (trx) => {
        await insertUserRow(trx, userId, input.engine, input.username, input.hosts, input.sealPassword, at);
        await trx
          .insertInto('database_grants')
          .values({ database_id: input.databaseId, user_id: userId, created_at: at })
          .execute();
      });
      return userId;
    },

    async insertGrant(databaseId: string, userId: string): Promise<void> {
      await db
        .insertInto('database_grants')
        .values({ database_id: databaseId, user_id: userId, created_at: now() })
        .execute();
    },

    async deleteGrant(databaseId: string, userId: string): Promise<void> {
      await db
        .deleteFrom('database_grants')
        .where('database_id', '=', databaseId)
        .where('user_id', '=', userId)
        .execute();
    },

    async updateDatabase(id: string, values: { charset?: string | null; collation?: string | null }) {
      await db
        .updateTable('databases')
        .set({ ...values, updated_at: now() })
        .where('id', '=', id)
        .execute();
    },

    async updateUser(
      id: string,
      values: { password_sealed?: string; remote_access?: 0 | 1; hosts?: string },
    ) {
      await db
        .updateTable('database_users')
        .set({ ...values, updated_at: now() })
        .where('id', '=', id)
        .execute();
    },

    /** Removes a database's record and its grants, and the given users' records. */
    async deleteDatabase(id: string, userIds: readonly string[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('database_grants').where('database_id', '=', id).execute();
        await trx.deleteFrom('databases').where('id', '=', id).execute();
        if (userIds.length > 0) await trx.deleteFrom('database_users').where('id', 'in', userIds).execute();
      });
    },

    async deleteUser(id: string): Promise<void> {
      await db.deleteFrom('database_users').where('id', '=', id).execute();
    },
  };
}

export type DatabaseStore = ReturnType<typeof createDatabaseStore>;
