import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Session } from '../db/schema.js';

export function createSessionsStore(db: Kysely<Database>) {
  return {
    async create(input: {
      userId: string;
      tokenHash: string;
      ip: string | null;
      userAgent: string | null;
      at: number;
      expiresAt: number;
    }): Promise<Session> {
      const row: Session = {
        id: randomUUID(),
        token_hash: input.tokenHash,
        user_id: input.userId,
        ip: input.ip,
        user_agent: input.userAgent?.slice(0, 512) ?? null,
        created_at: input.at,
        last_seen_at: input.at,
        expires_at: input.expiresAt,
        revoked_at: null,
      };
      await db.insertInto('sessions').values(row).execute();
      return row;
    },
    findByTokenHash(tokenHash: string): Promise<Session | undefined> {
      return db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    listActive(userId: string, now: number): Promise<Session[]> {
      return db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('last_seen_at', 'desc')
        .execute();
    },
    async touch(id: string, at: number): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
    },
    /** Revokes one session of `userId`; false when it is not theirs or already revoked. */
    async revoke(userId: string, id: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Revokes every session of `userId` except `keepId` (null: all); returns the ids revoked. */
    async revokeAllExcept(userId: string, keepId: string | null, at: number): Promise<string[]> {
      let query = db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (keepId) query = query.where('id', '!=', keepId);
      const ids = (await query.execute()).map((row) => row.id);
      if (ids.length > 0)
        await db.updateTable('sessions').set({ revoked_at: at }).where('id', 'in', ids).execute();
      return ids;
    },
  };
}

export type SessionsStore = ReturnType<typeof createSessionsStore>;
