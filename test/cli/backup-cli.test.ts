import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDiwan } from '../support/cli.js';

// Eight processes, each starting tsx: minutes when the machine is busy with other suites.
describe('diwan backup', { timeout: 240_000 }, () => {
  it('backs up, lists, refuses a restore without --yes, and restores what it backed up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'diwan-backup-cli-'));
    const env = { DIWAN_ENV: 'development', DIWAN_DATA_DIR: dataDir };
    expect((await runDiwan(['migrate', 'up'], env)).code).toBe(0);
    expect((await runDiwan(['user', 'add', 'alice'], env)).code).toBe(0);

    const made = await runDiwan(['backup', 'create', '--keep', '3'], env);
    expect(made.code, made.stderr).toBe(0);
    const file = made.stdout.split('\n')[0]!;
    expect(file).toMatch(/\/backups\/panel-\d{8}T\d{6}Z\.jsonl\.gz$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await runDiwan(['backup', 'list'], env)).stdout).toContain(file);

    expect((await runDiwan(['user', 'add', 'bob'], env)).code).toBe(0);
    const unconfirmed = await runDiwan(['backup', 'restore', file], env);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('--yes');

    const restored = await runDiwan(['backup', 'restore', file, '--yes'], env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('Every session has ended');
    const users = (await runDiwan(['user', 'list'], env)).stdout;
    expect(users).toContain('alice');
    expect(users).not.toContain('bob');

    const damaged = await runDiwan(['backup', 'restore', join(dataDir, 'nope.jsonl.gz'), '--yes'], env);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('nothing was changed');
    expect(readdirSync(join(dataDir, 'backups'))).toHaveLength(1);
  });
});
