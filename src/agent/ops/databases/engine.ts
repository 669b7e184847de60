import { DiwanError } from '../../../contract/errors.js';
import type { DatabaseLive } from '../../../contract/databases.js';

/** One database server the agent manages (MariaDB/MySQL or PostgreSQL), as its administrator. */
export interface DatabaseServer {
  readonly label: string;
  /** Databases that are not the server's own, with size, tables, charset and collation. */
  list(names?: readonly string[]): Promise<DatabaseLive[]>;
  databaseExists(name: string): Promise<boolean>;
  userExists(username: string): Promise<boolean>;
  /** Creates the database; `owner` (PostgreSQL) becomes its owner. */
  createDatabase(input: { name: string; owner: string; charset?: string; collation?: string }): Promise<void>;
  alterDatabase(input: { name: string; charset?: string; collation?: string }): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  createUser(username: string, hosts: readonly string[], password: string): Promise<void>;
  dropUser(username: string, hosts: readonly string[]): Promise<void>;
  setPassword(username: string, hosts: readonly string[], password: string): Promise<void>;
  grant(database: string, username: string, hosts: readonly string[]): Promise<void>;
  revoke(database: string, username: string, hosts: readonly string[]): Promise<void>;
  /** Who holds privileges on the database (for tests and the delete check). */
  grantees(database: string): Promise<string[]>;
  /** Where clients connect. */
  connection(): Promise<{ host: string; port: number; socket: string | null }>;
  close(): Promise<void>;
}

/**
 * A driver's error as a DiwanError with the server's own words only: drivers attach the SQL text to
 * their errors, and that text may hold a password, so neither the error nor its cause goes further.
 */
export function serverError(label: string, what: string, error: unknown): DiwanError {
  if (error instanceof DiwanError) return error;
  const raw = error as { sqlMessage?: unknown; message?: unknown; code?: unknown };
  const words = typeof raw.sqlMessage === 'string' ? raw.sqlMessage : String(raw.message ?? error);
  if (isUnreachable(raw.code))
    return new DiwanError('DIWAN_E_UNAVAILABLE', `${label} does not answer (${String(raw.code)})`);
  return new DiwanError('DIWAN_E_HOST_COMMAND', `${label} refused to ${what}: ${words.slice(0, 500)}`);
}

function isUnreachable(code: unknown): boolean {
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ETIMEDOUT';
}

/** Runs `work` and turns whatever a driver throws into `serverError`. */
export async function asServer<T>(label: string, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw serverError(label, what, error);
  }
}
