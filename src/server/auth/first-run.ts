import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from './passwords.js';
import { randomWord } from './tokens.js';
import type { UsersStore } from './users-store.js';

export interface FirstLogin {
  username: string;
  password: string;
}

export const FIRST_LOGIN_FILE = 'first-login.txt';

/**
 * When no user exists, creates the first administrator with a random username and password (the
 * owner must change the password at first login), and keeps the credentials in a 0600 file in the
 * data dir, so that a fresh instance cannot be claimed by whoever reaches it first.
 */
export async function ensureFirstAdmin(users: UsersStore, dataDir: string): Promise<FirstLogin | null> {
  if ((await users.count()) > 0) return null;
  const username = `admin_${randomWord(6)}`;
  const password = randomWord(20);
  await users.create({ username, passwordHash: await hashPassword(password), mustChangePassword: true });
  writeFileSync(
    join(dataDir, FIRST_LOGIN_FILE),
    `username=${username}\npassword=${password}\n# Change the password at first login, then delete this file.\n`,
    { mode: 0o600 },
  );
  return { username, password };
}
