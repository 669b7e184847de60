import { chmodSync, chownSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataDir } from './data-dir.js';
import { loadConfig } from './load.js';

function devConfig(dataDir: string) {
  const { config } = loadConfig({ env: { DIWAN_ENV: 'development', DIWAN_DATA_DIR: dataDir } });
  return config!;
}

describe('prepareDataDir', () => {
  it('creates a private data dir and a private secret that survives restarts', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'diwan-dd-')), 'data');
    const first = prepareDataDir(devConfig(dataDir));
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
    expect(Buffer.byteLength(first.secret!)).toBeGreaterThanOrEqual(32);
    expect(prepareDataDir(devConfig(dataDir)).secret).toBe(first.secret);
  });

  it('closes a data dir that others could read', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'diwan-dd-'));
    chmodSync(dataDir, 0o755);
    prepareDataDir(devConfig(dataDir));
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it("lets root (the agent) use the web tier's closed data dir as it is, and refuses an open one", () => {
    expect(process.getuid?.(), 'this test needs root, as the agent has').toBe(0);
    const { config } = loadConfig({
      env: { DIWAN_ENV: 'production', DIWAN_DATA_DIR: '/x', DIWAN_SECRET: 's'.repeat(40) },
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'diwan-dd-'));
    chownSync(dataDir, 65534, 65534);
    const withDir = {
      ...config!,
      dataDir,
      database: { ...config!.database, sqlitePath: join(dataDir, 'panel.db') },
    };
    prepareDataDir(withDir);
    expect(statSync(dataDir)).toMatchObject({ uid: 65534, mode: expect.any(Number) });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    chmodSync(dataDir, 0o770);
    expect(() => prepareDataDir(withDir)).toThrow(/open to other users/);
    expect(statSync(dataDir).mode & 0o777).toBe(0o770);
  });

  it('refuses a damaged or readable secret instead of replacing it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'diwan-dd-'));
    writeFileSync(join(dataDir, 'secret'), 'short\n', { mode: 0o600 });
    expect(() => prepareDataDir(devConfig(dataDir))).toThrow(/holds no valid secret/);
    expect(readFileSync(join(dataDir, 'secret'), 'utf8')).toBe('short\n');
    chmodSync(join(dataDir, 'secret'), 0o644);
    expect(() => prepareDataDir(devConfig(dataDir))).toThrow(/chmod 600/);
  });
});
