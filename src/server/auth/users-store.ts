import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, User } from '../db/schema.js';

export interface NewUserInput {
  username: string;
  passwordHash: string;
  mustChangePassword?: boolean;
  locale?: string | null;
}

export function createUsersStore(db: Kysely<Database>, now: () => number) {
  return {
    async count(): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    findByUsername(username: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    },
    findById(id: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    list(): Promise<User[]> {
      return db.selectFrom('users').selectAll().orderBy('created_at').execute();
    },
    async create(input: NewUserInput): Promise<User> {
      const at = now();
      const id = randomUUID();
      await db
        .insertInto('users')
        .values({
          id,
          username: input.username,
          password_hash: input.passwordHash,
          must_change_password: input.mustChangePassword ? 1 : 0,
          locale: input.locale ?? null,
          totp_secret: null,
          totp_last_step: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return (await this.findById(id))!;
    },
    async setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<void> {
      await db
        .updateTable('users')
        .set({ password_hash: passwordHash, must_change_password: mustChange ? 1 : 0, updated_at: now() })
        .where('id', '=', id)
        .execute();
    },
    async setLocale(id: string, locale: string | null): Promise<void> {
      await db.updateTable('users').set({ locale, updated_at: now() }).where('id', '=', id).execute();
    },
    /** Stores a sealed TOTP secret; `enabled` false while the user has not confirmed a code yet. */
    async setTotp(
      id: string,
      sealedSecret: string | null,
      enabled: boolean,
      lastStep: number | null = null,
    ): Promise<void> {
      await db
        .updateTable('users')
        .set({
          totp_secret: sealedSecret,
          totp_enabled: enabled ? 1 : 0,
          totp_last_step: lastStep,
          updated_at: now(),
        })
        .where('id', '=', id)
        .execute();
    },
    /** Stores a new, not yet enabled TOTP secret, unless 2FA is on (a stale view must not turn it off). */
    async beginTotp(id: string, sealedSecret: string): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ totp_secret: sealedSecret, totp_enabled: 0, totp_last_step: null, updated_at: now() })
        .where('id', '=', id)
        .where('totp_enabled', '=', 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Records a used TOTP step, only if it is newer than the stored one (two logins racing with one code: one wins). */
    async useTotpStep(id: string, step: number): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ totp_last_step: step })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type UsersStore = ReturnType<typeof createUsersStore>;
