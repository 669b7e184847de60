import type * as Argon2 from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { DiwanError } from '../../contract/errors.js';

// argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): about 30 ms and 19 MB per hash here.
// algorithm 2 is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

// argon2 and its dummy hash are made on the first login, not at start-up: hashing takes 19 MiB of
// working memory that an idle panel should not carry.
let argon2: Promise<typeof Argon2> | null = null;
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'));

/** A hash of a random password, verified against when the username does not exist, so that the
 * answer takes as long for an unknown user as for a wrong password. */
let dummyHash: Promise<string> | null = null;

/**
 * Argon2 is built to be expensive, so unbounded concurrent logins would let anyone exhaust the CPU
 * and memory. At most one hash per core runs at once; a short queue waits; beyond it the request is
 * refused at once (429) instead of piling up.
 */
const maxRunning = Math.max(1, availableParallelism());
const maxQueued = 16;
let running = 0;
const queue: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= maxRunning) {
    if (queue.length >= maxQueued) {
      throw new DiwanError('DIWAN_E_RATE_LIMITED', 'Too many logins at once; try again in a moment');
    }
    await new Promise<void>((resolve) => queue.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await work();
  } finally {
    const next = queue.shift();
    if (next) next();
    else running -= 1;
  }
}

export async function hashPassword(password: string): Promise<string> {
  const { hash } = await loadArgon2();
  return limited(() => hash(password, options));
}

/** Verifies against `storedHash`, or against a dummy hash when there is no user (same cost). */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  const { hash, verify } = await loadArgon2();
  dummyHash ??= hash(`dummy-${Math.random()}`, options);
  const target = storedHash ?? (await dummyHash);
  const ok = await limited(() => verify(target, password).catch(() => false));
  return storedHash !== null && ok;
}

export const PASSWORD_MIN_LENGTH = 12;
