import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ApiToken, ApiTokenScope, Database } from '../db/schema.js';

export function createApiTokensStore(db: Kysely<Database>) {
  return {
    async create(input: {
      userId: string;
      name: string;
      tokenHash: string;
      scope: ApiTokenScope;
      allowedIps: string[] | null;
      expiresAt: number | null;
      at: number;
    }): Promise<ApiToken> {
      const row: ApiToken = {
        id: randomUUID(),
        user_id: input.userId,
        name: input.name,
        token_hash: input.tokenHash,
        scope: input.scope,
        allowed_ips: input.allowedIps ? JSON.stringify(input.allowedIps) : null,
        expires_at: input.expiresAt,
        last_used_at: null,
        created_at: input.at,
        revoked_at: null,
      };
      await db.insertInto('api_tokens').values(row).execute();
      return row;
    },
    findByTokenHash(tokenHash: string): Promise<ApiToken | undefined> {
      return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    listActive(userId: string): Promise<ApiToken[]> {
      return db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .execute();
    },
    async touch(id: string, at: number): Promise<void> {
      await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    },
    async revoke(userId: string, id: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type ApiTokensStore = ReturnType<typeof createApiTokensStore>;
