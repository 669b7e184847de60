import { readFile } from 'node:fs/promises';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** The user's entry in /etc/passwd, or null. */
export async function lookupOsUser(name: string): Promise<OsUser | null> {
  for (const line of (await readFile('/etc/passwd', 'utf8')).split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}
