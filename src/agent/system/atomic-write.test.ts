import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  UnsafeTargetError,
  cleanStaleTemps,
  readForUpdate,
  restore,
  versionOf,
  writeAtomic,
} from './atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'diwan-atomic-'));
});
afterEach(() => {
  delete process.env.DIWAN_TEST_ATOMIC_PAUSE_MS;
  rmSync(dir, { recursive: true, force: true });
});

const temps = () => readdirSync(dir).filter((name) => name.includes('.diwan-'));

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('readForUpdate', () => {
  it('gives content and its sha256, or nulls for a missing file', async () => {
    const path = join(dir, 'a.conf');
    expect(await readForUpdate(path)).toEqual({ content: null, version: null });
    writeFileSync(path, 'hello');
    const read = await readForUpdate(path);
    expect(read.content?.toString()).toBe('hello');
    expect(read.version).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });
});

describe('writeAtomic', () => {
  it('creates a file that did not exist', async () => {
    const path = join(dir, 'new.conf');
    const result = await writeAtomic(path, 'server {}\n', { expectedVersion: null });
    expect(readFileSync(path, 'utf8')).toBe('server {}\n');
    expect(result).toEqual({ previous: null, version: versionOf('server {}\n') });
    expect(statSync(path).mode & 0o7777).toBe(0o644);
    expect(temps()).toEqual([]);
  });

  it('replaces a file and returns the previous bytes', async () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    const { version } = await readForUpdate(path);
    const result = await writeAtomic(path, Buffer.from('new'), { expectedVersion: version });
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(result.previous).toEqual(Buffer.from([1, 2, 3]));
    expect(result.version).toBe((await readForUpdate(path)).version);
    expect(temps()).toEqual([]);
  });

  it('keeps the existing mode, or applies the one asked for', async () => {
    const path = join(dir, 'secret.env');
    writeFileSync(path, 'x');
    chmodSync(path, 0o640);
    await writeAtomic(path, 'y', { expectedVersion: undefined });
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    await writeAtomic(path, 'z', { expectedVersion: undefined, mode: 0o600 });
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    await writeAtomic(join(dir, 'exec.sh'), '#!/bin/sh\n', { expectedVersion: null, mode: 0o750 });
    expect(statSync(join(dir, 'exec.sh')).mode & 0o7777).toBe(0o750);
  });

  it.runIf(process.getuid?.() === 0)('keeps the owner, or applies the one asked for', async () => {
    const path = join(dir, 'owned');
    await writeAtomic(path, 'a', { expectedVersion: null, uid: 65534, gid: 65534 });
    expect(statSync(path)).toMatchObject({ uid: 65534, gid: 65534 });
    await writeAtomic(path, 'b', { expectedVersion: undefined });
    expect(statSync(path)).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it('refuses with ConflictError when the file changed since it was read, leaving it untouched', async () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'v1');
    const { version } = await readForUpdate(path);
    writeFileSync(path, 'edited by hand');
    const error = await writeAtomic(path, 'v2', { expectedVersion: version }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      code: 'DIWAN_E_CONFLICT',
      expectedVersion: version,
      actualVersion: versionOf('edited by hand'),
    });
    expect(readFileSync(path, 'utf8')).toBe('edited by hand');
    expect(temps()).toEqual([]);
  });

  it('treats expectedVersion null as "must not exist" and a version as "must exist"', async () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'someone got here first');
    await expect(writeAtomic(path, 'x', { expectedVersion: null })).rejects.toBeInstanceOf(ConflictError);
    unlinkSync(path);
    await expect(writeAtomic(path, 'x', { expectedVersion: versionOf('old') })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(existsSync(path)).toBe(false);
    expect(temps()).toEqual([]);
  });

  it('refuses a symlink target, and what it points to stays untouched', async () => {
    const real = join(dir, 'real');
    const link = join(dir, 'link');
    writeFileSync(real, 'real');
    symlinkSync(real, link);
    await expect(writeAtomic(link, 'x', { expectedVersion: undefined })).rejects.toBeInstanceOf(
      UnsafeTargetError,
    );
    await expect(readForUpdate(link)).rejects.toBeInstanceOf(UnsafeTargetError);
    await expect(restore(link, Buffer.from('x'))).rejects.toBeInstanceOf(UnsafeTargetError);
    symlinkSync('/nonexistent-target', join(dir, 'dangling'));
    await expect(writeAtomic(join(dir, 'dangling'), 'x', { expectedVersion: null })).rejects.toBeInstanceOf(
      UnsafeTargetError,
    );
    expect(readFileSync(real, 'utf8')).toBe('real');
    expect(temps()).toEqual([]);
  });

  it('refuses a directory as target', async () => {
    mkdirSync(join(dir, 'sub'));
    await expect(writeAtomic(join(dir, 'sub'), 'x', { expectedVersion: undefined })).rejects.toMatchObject({
      kind: 'not-a-file',
    });
  });

  it('removes its temp file and leaves the target alone when the rename fails', async () => {
    // A real failure after the temp file exists: while the write is paused before its rename, the
    // target is replaced by a non-empty directory, so the rename fails (EISDIR).
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'original');
    process.env.DIWAN_TEST_ATOMIC_PAUSE_MS = '300';
    const pending = writeAtomic(path, 'new', { expectedVersion: undefined, keepPrevious: false }).catch(
      (e: unknown) => e,
    );
    await waitFor(() => temps().length === 1);
    unlinkSync(path);
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept');
    const error = (await pending) as NodeJS.ErrnoException;
    expect(error.code).toMatch(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
    expect(temps()).toEqual([]);
  });
});

describe('restore', () => {
  it('puts the previous bytes back', async () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'before');
    const { previous } = await writeAtomic(path, 'after', { expectedVersion: undefined });
    await restore(path, previous);
    expect(readFileSync(path, 'utf8')).toBe('before');
    expect(temps()).toEqual([]);
  });

  it('removes a file that did not exist before', async () => {
    const path = join(dir, 'a.conf');
    const { previous } = await writeAtomic(path, 'after', { expectedVersion: null });
    await restore(path, previous);
    expect(existsSync(path)).toBe(false);
    await restore(path, null); // idempotent
  });

  it('can put the previous mode back too', async () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'before');
    chmodSync(path, 0o644);
    const { previous } = await writeAtomic(path, 'after', { expectedVersion: undefined, mode: 0o600 });
    await restore(path, previous, { mode: 0o644 });
    expect(statSync(path).mode & 0o7777).toBe(0o644);
  });
});

describe('cleanStaleTemps', () => {
  it('removes only diwan temp files older than a minute', async () => {
    const old = join(dir, '.a.conf.diwan-0123abcd.tmp');
    const fresh = join(dir, '.b.conf.diwan-89abcdef.tmp');
    const unrelated = join(dir, '.c.conf.other.tmp');
    for (const path of [old, fresh, unrelated]) writeFileSync(path, 'x');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(old, twoMinutesAgo, twoMinutesAgo);
    utimesSync(unrelated, twoMinutesAgo, twoMinutesAgo);
    expect(await cleanStaleTemps(dir)).toEqual(['.a.conf.diwan-0123abcd.tmp']);
    expect(readdirSync(dir).sort()).toEqual(['.b.conf.diwan-89abcdef.tmp', '.c.conf.other.tmp']);
  });
});

describe('a crash between write and rename', () => {
  const source = fileURLToPath(new URL('./atomic-write.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

  it('leaves the original file byte-identical and readable', async () => {
    const path = join(dir, 'site.conf');
    const original = Buffer.from('server { listen 80; }\n# كل شيء في مكانه\n');
    writeFileSync(path, original);
    chmodSync(path, 0o640);

    const script = `
      const { writeAtomic, readForUpdate } = await import(${JSON.stringify(source)});
      const { version } = await readForUpdate(${JSON.stringify(path)});
      await writeAtomic(${JSON.stringify(path)}, Buffer.alloc(1 << 20, 'n'), { expectedVersion: version });
      console.log('renamed'); // never reached: the test kills us first
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DIWAN_TEST_ATOMIC_PAUSE_MS: '30000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );

    await waitFor(() => temps().some((name) => statSync(join(dir, name)).size === 1 << 20), 15_000).catch(
      () => {
        throw new Error(`child never reached the pause: ${output}`);
      },
    );
    // Full size can be seen while fsync still runs; half a second later a child that did not pause
    // would have renamed already, so a temp file still there means we kill it inside the pause.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(temps()).toHaveLength(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(readFileSync(path).equals(original)).toBe(true);
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(output).not.toContain('renamed');
    expect(temps()).toHaveLength(1);

    // The leftover is cleaned up once it is older than a minute, never while a write may be running.
    expect(await cleanStaleTemps(dir)).toEqual([]);
    const [leftover] = temps();
    const old = new Date(Date.now() - 61_000);
    utimesSync(join(dir, leftover!), old, old);
    expect(await cleanStaleTemps(dir)).toEqual([leftover]);
    expect(readdirSync(dir)).toEqual(['site.conf']);
  });
});
