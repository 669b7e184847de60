import { DiwanError } from '../../../contract/errors.js';
import { readForUpdate, restore, writeAtomic } from '../../system/atomic-write.js';
import { Mutex } from '../../system/mutex.js';

/**
 * Remote access for PostgreSQL roles: lines Diwan owns in pg_hba.conf, between two marker lines at
 * the end of the file. Everything outside the markers is kept byte for byte; with no role left the
 * block goes away whole, so turning access on and off again gives back the file as it was.
 *
 * At the end, because PostgreSQL takes the first line that matches: rules the administrator wrote
 * (loopback trust, a `reject`) keep their say, and ours apply to connections nothing else matched.
 */

export const HBA_BEGIN = '# BEGIN Diwan: remote access for database roles (managed; edits here are replaced)';
export const HBA_END = '# END Diwan';

/** The roles whose remote access the managed block grants. */
export function managedRoles(text: string): string[] {
  const block = findBlock(text);
  if (!block) return [];
  const roles = new Set<string>();
  for (const line of text.slice(block.start, block.end).split('\n')) {
    const match = /^host\s+all\s+"([a-z0-9_]+)"\s/.exec(line);
    if (match) roles.add(match[1]!);
  }
  return [...roles].sort();
}

/** The file with its managed block holding exactly `roles` (pure: text in, text out). */
export function renderHba(text: string, roles: readonly string[]): string {
  for (const role of roles) {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(role)) throw new TypeError(`not a role name: ${JSON.stringify(role)}`);
  }
  const sorted = [...new Set(roles)].sort();
  const block =
    sorted.length === 0
      ? ''
      : [
          HBA_BEGIN,
          ...sorted.flatMap((role) => [
            `host    all    "${role}"    0.0.0.0/0    scram-sha-256`,
            `host    all    "${role}"    ::/0         scram-sha-256`,
          ]),
          HBA_END,
          '',
        ].join('\n');
  const found = findBlock(text);
  if (found) return text.slice(0, found.start) + block + text.slice(found.end);
  if (block === '') return text;
  return text === '' || text.endsWith('\n') ? text + block : `${text}\n${block}`;
}

/** From the start of the BEGIN line to just after the END line's newline. */
function findBlock(text: string): { start: number; end: number } | null {
  const begin = text.indexOf(`${HBA_BEGIN}\n`);
  if (begin === -1 || (begin > 0 && text[begin - 1] !== '\n')) return null;
  const endAt = text.indexOf(`\n${HBA_END}`, begin);
  if (endAt === -1) return null;
  const afterEnd = endAt + 1 + HBA_END.length;
  return { start: begin, end: text[afterEnd] === '\n' ? afterEnd + 1 : afterEnd };
}

export interface HbaTarget {
  /** The file the server reads (`SHOW hba_file`). */
  file(): Promise<string>;
  /** What the server finds wrong with the file on disk now (`pg_hba_file_rules`). */
  errors(): Promise<string[]>;
  reload(): Promise<void>;
}

const lock = new Mutex();

/**
 * Turns remote access on or off for roles: write atomically, let the server check the file, reload;
 * a file the server finds wrong is put back as it was (and the server is not reloaded with it).
 */
export async function setRemoteAccess(
  target: HbaTarget,
  changes: { enable?: readonly string[]; disable?: readonly string[] },
): Promise<void> {
  await lock.runExclusive(async () => {
    const path = await target.file();
    const { content, version } = await readForUpdate(path);
    if (content === null) throw new DiwanError('DIWAN_E_CONFLICT', `${path} does not exist`);
    const text = content.toString('utf8');
    const roles = new Set(managedRoles(text));
    for (const role of changes.enable ?? []) roles.add(role);
    for (const role of changes.disable ?? []) roles.delete(role);
    const next = renderHba(text, [...roles]);
    if (next === text) return;
    const { previous } = await writeAtomic(path, next, { expectedVersion: version });
    const problems = await target.errors().catch((error: unknown) => [String(error)]);
    if (problems.length > 0) {
      await restore(path, previous);
      throw new DiwanError(
        'DIWAN_E_HOST_COMMAND',
        `PostgreSQL refused the new pg_hba.conf, which was put back: ${problems.slice(0, 3).join('; ')}`,
      );
    }
    await target.reload();
  });
}
