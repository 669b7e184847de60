import type { Kysely } from 'kysely';
import { DiwanError } from '../../contract/errors.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Database, User } from '../db/schema.js';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import type { SecondFactor } from './service.js';
import { newTotpSecret, totpQrSvg, totpUri, verifyTotp } from './totp.js';
import type { UsersStore } from './users-store.js';

/** The TOTP secret is sealed with the panel secret and bound to its user (a copied value is useless). */
const context = (userId: string) => `totp:${userId}`;

export function createTwoFactor(deps: {
  db: Kysely<Database>;
  users: UsersStore;
  box: SecretBox;
  now: () => number;
}) {
  async function checkTotp(user: User, sealed: string | null, code: string): Promise<boolean> {
    if (!sealed) return false;
    const secret = deps.box.open(sealed, context(user.id));
    const result = verifyTotp(secret, code, { now: deps.now(), lastUsedStep: user.totp_last_step });
    // The conditional update makes a code good once, even for two logins racing with it.
    return result.ok && (await deps.users.useTotpStep(user.id, result.step));
  }

  async function consumeRecoveryCode(user: User, input: string): Promise<boolean> {
    const normalized = normalizeRecoveryCode(input);
    if (!normalized) return false;
    const result = await deps.db
      .updateTable('recovery_codes')
      .set({ used_at: deps.now() })
      .where('user_id', '=', user.id)
      .where('code_hash', '=', hashRecoveryCode(normalized))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async function replaceRecoveryCodes(userId: string): Promise<string[]> {
    const codes = generateRecoveryCodes(10);
    const at = deps.now();
    await deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .insertInto('recovery_codes')
        .values(
          codes.map((code) => ({
            user_id: userId,
            code_hash: hashRecoveryCode(normalizeRecoveryCode(code)!),
            created_at: at,
            used_at: null,
          })),
        )
        .execute();
    });
    return codes;
  }

  const secondFactor: SecondFactor = {
    async verify(user, input) {
      if (!user.totp_enabled) return false;
      if (input.totp) return checkTotp(user, user.totp_secret, input.totp);
      if (input.recoveryCode) return consumeRecoveryCode(user, input.recoveryCode);
      return false;
    },
  };

  return {
    secondFactor,

    /** Starts enrolment: a new secret, kept sealed and not yet enabled, and its QR code. */
    async begin(user: User): Promise<{ secret: string; uri: string; qrSvg: string }> {
      if (user.totp_enabled)
        throw new DiwanError('DIWAN_E_CONFLICT', 'Two-factor authentication is already on');
      const secret = newTotpSecret();
      if (!(await deps.users.beginTotp(user.id, deps.box.seal(secret, context(user.id))))) {
        throw new DiwanError('DIWAN_E_CONFLICT', 'Two-factor authentication is already on');
      }
      const uri = totpUri({ secret, account: user.username });
      return { secret, uri, qrSvg: await totpQrSvg(uri) };
    },

    /** Confirms enrolment with a code from the app; returns the ten recovery codes, shown once. */
    async enable(userId: string, code: string): Promise<string[]> {
      const user = await deps.users.findById(userId);
      if (!user || user.totp_enabled || !user.totp_secret) {
        throw new DiwanError('DIWAN_E_CONFLICT', 'Start two-factor setup first');
      }
      if (!(await checkTotp(user, user.totp_secret, code))) {
        throw new DiwanError(
          'DIWAN_E_VALIDATION',
          'That code is not valid: check the time on your phone',
          'code',
        );
      }
      const refreshed = (await deps.users.findById(userId))!;
      await deps.users.setTotp(userId, user.totp_secret, true, refreshed.totp_last_step);
      return replaceRecoveryCodes(userId);
    },

    /** Turns 2FA off with a current TOTP or an unused recovery code. */
    async disable(userId: string, code: string): Promise<void> {
      const user = await deps.users.findById(userId);
      if (!user?.totp_enabled) throw new DiwanError('DIWAN_E_CONFLICT', 'Two-factor authentication is off');
      const ok = (await checkTotp(user, user.totp_secret, code)) || (await consumeRecoveryCode(user, code));
      if (!ok) throw new DiwanError('DIWAN_E_VALIDATION', 'That code is not valid', 'code');
      await this.reset(userId);
    },

    /** Turns 2FA off without a code: the console's way back in (`diwan user disable-2fa`). */
    async reset(userId: string): Promise<void> {
      await deps.users.setTotp(userId, null, false);
      await deps.db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    },

    async remainingRecoveryCodes(userId: string): Promise<number> {
      const row = await deps.db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type TwoFactor = ReturnType<typeof createTwoFactor>;
