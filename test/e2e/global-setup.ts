import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from '../../playwright.config.js';
import { SERVER_FILE, type E2eServer } from './server-info.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Builds the SPA when stale, then starts Diwan as a user would (`diwan serve`, development, SQLite, a
 * fresh data dir; its websites on a private nginx: test/e2e/serve.ts) and reads the first-run
 * credentials it prints. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  // A missing browser is a failure, not a reason to skip: CI must not pass without these tests.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/provision-host.sh`);
  await run('bash', ['scripts/lib/web-build.sh']);

  const dataDir = mkdtempSync(join(tmpdir(), 'diwan-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/serve.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DIWAN_ENV: 'development',
      DIWAN_DATA_DIR: dataDir,
      DIWAN_HOST: '127.0.0.1',
      DIWAN_PORT: String(await freePort()),
      DIWAN_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const server = await new Promise<E2eServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`diwan serve did not print its login:\n${output}`));
    }, 30_000);
    const check = () => {
      const url = /Log in at\s+(http\S+)/.exec(output)?.[1];
      const username = /Username\s+(\S+)/.exec(output)?.[1];
      const password = /Password\s+(\S+)/.exec(output)?.[1];
      const web = /Private nginx on port (\d+), web root (\S+)/.exec(output);
      if (url && username && password && web) {
        clearTimeout(timer);
        const [, nginxPort, webRoot] = web as unknown as [string, string, string];
        resolve({
          loginUrl: url,
          origin: new URL(url).origin,
          username,
          password,
          dataDir,
          nginxPort: Number(nginxPort),
          webRoot,
        });
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => reject(new Error(`diwan serve exited with ${code}:\n${output}`)));
  });
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(SERVER_FILE, JSON.stringify(server));

  return async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  };
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')}: ${code}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
