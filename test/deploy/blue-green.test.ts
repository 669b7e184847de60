import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  rollback,
  switchTo,
  waitReady,
  type BlueGreenOptions,
  type InstanceControl,
} from '../../src/agent/deploy/blue-green.js';
import { activeColorOf, type Color } from '../../src/agent/deploy/panel-proxy.js';
import { cleanEnv, diwanBin, freePort } from '../support/cli.js';
import { startPanelProxy, type PanelProxy } from '../support/panel-proxy.js';

// Blue-green upgrades with real processes: two `diwan serve` on two loopback ports sharing one panel
// database, the real nginx in front (deploy/nginx/diwan.conf in a private prefix), and a steady
// stream of requests through it while the upstream is switched. In production the instances are
// diwan@blue.service and diwan@green.service; here the test starts and stops them by PID.

const dataDir = mkdtempSync(join(tmpdir(), 'diwan-blue-green-'));
const secret = 'blue-green-secret-'.padEnd(48, 'x');
const running = new Map<string, ChildProcess>();
let ports: Record<Color, number>;
let proxy: PanelProxy;
const lines: string[] = [];

function spawnDiwan(key: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [diwanBin, 'serve'], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  running.set(key, child);
  child.once('exit', () => running.delete(key));
  return child;
}

async function stopChild(key: string): Promise<number | null> {
  const child = running.get(key);
  if (!child) return null;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

/** The real web tier of each color: `diwan serve` on the color's port, the shared data dir. */
const instances: InstanceControl = {
  async start(color) {
    spawnDiwan(color, {
      DIWAN_ENV: 'test',
      DIWAN_HOST: '127.0.0.1',
      DIWAN_PORT: String(ports[color]),
      DIWAN_DATA_DIR: dataDir,
      DIWAN_SECRET: secret,
      DIWAN_TRUSTED_PROXIES: '127.0.0.1',
      DIWAN_LOG_LEVEL: 'warn',
      DIWAN_SHUTDOWN_TIMEOUT: '5000',
    });
  },
  async stop(color) {
    await stopChild(color);
  },
};

function options(overrides: Partial<BlueGreenOptions> = {}): BlueGreenOptions {
  return {
    upstreamFile: proxy.upstreamFile,
    nginxBinary: '/usr/sbin/nginx',
    nginxConf: proxy.nginxConf,
    ports,
    host: '127.0.0.1',
    instances,
    readyTimeoutMs: 60_000,
    drainMs: 1000,
    log: (line) => lines.push(line),
    ...overrides,
  };
}

/** Requests through nginx from `workers` loops until stopped; counts answers other than 200 and errors. */
function load(workers = 4) {
  let stopped = false;
  const result = { ok: 0, failed: [] as string[] };
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped) {
      try {
        const answer = await proxy.https('/readyz');
        if (answer.status === 200) result.ok++;
        else result.failed.push(`${answer.status} ${answer.body.slice(0, 200)}`);
      } catch (error) {
        result.failed.push((error as Error).message);
      }
    }
  });
  return async () => {
    stopped = true;
    await Promise.all(loops);
    return result;
  };
}

beforeAll(async () => {
  ports = { blue: await freePort(), green: await freePort() };
  // The request limit is the production default's business; this test measures the switch.
  proxy = await startPanelProxy({ color: 'blue', ports, generalRate: 100_000, generalBurst: 100_000 });
  await instances.start('blue');
  if (!(await waitReady(`http://127.0.0.1:${ports.blue}/readyz`, 60_000)))
    throw new Error('blue never became ready');
}, 90_000);

afterAll(async () => {
  for (const key of [...running.keys()]) await stopChild(key);
  proxy?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('blue-green upgrades through nginx', () => {
  it('switches blue → green under load without a failed request, then rolls back the same way', async () => {
    expect((await proxy.https('/readyz')).status).toBe(200);
    const blue = running.get('blue')!;

    let stop = load();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await switchTo('green', options())).toEqual({ from: 'blue' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    let result = await stop();
    expect(result.failed).toEqual([]);
    expect(result.ok).toBeGreaterThan(20);
    // Blue was drained and stopped cleanly; green alone serves, through the new upstream.
    expect(blue.exitCode).toBe(0);
    expect(running.has('blue')).toBe(false);
    const upstream = readFileSync(proxy.upstreamFile, 'utf8');
    expect(activeColorOf(upstream)).toBe('green');
    expect(upstream).toContain(`server 127.0.0.1:${ports.green};`);
    expect((await proxy.https('/readyz')).status).toBe(200);

    stop = load();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await rollback(options())).toEqual({ to: 'blue' });
    result = await stop();
    expect(result.failed).toEqual([]);
    expect(running.has('green')).toBe(false);
    expect(activeColorOf(readFileSync(proxy.upstreamFile, 'utf8'))).toBe('blue');
    expect(lines).toContain("green is ready; switching nginx's upstream");
  }, 120_000);

  it('leaves the old instance serving and the upstream file byte-identical when the new one never gets ready', async () => {
    const before = readFileSync(proxy.upstreamFile);
    // A release whose migrations were never applied: production's `diwan serve` listens, but
    // /readyz stays 503 (migrations pending, no agent).
    const badDir = mkdtempSync(join(tmpdir(), 'diwan-unready-'));
    const configFile = join(badDir, 'empty.env');
    writeFileSync(configFile, '');
    const unready: InstanceControl = {
      async start(color) {
        spawnDiwan(color, {
          DIWAN_ENV: 'production',
          DIWAN_CONFIG: configFile,
          DIWAN_HOST: '127.0.0.1',
          DIWAN_PORT: String(ports[color]),
          DIWAN_DATA_DIR: join(badDir, 'data'),
          DIWAN_DATABASE_URL: `sqlite:${join(badDir, 'data', 'fresh.db')}`,
          DIWAN_AGENT_SOCKET: join(badDir, 'no-agent.sock'),
          DIWAN_SECRET: secret,
        });
      },
      stop: instances.stop,
    };
    const stop = load(2);
    await expect(switchTo('green', options({ instances: unready, readyTimeoutMs: 4000 }))).rejects.toThrow(
      /green did not answer .*\/readyz with 200/,
    );
    const result = await stop();
    expect(result.failed).toEqual([]);
    expect(readFileSync(proxy.upstreamFile).equals(before)).toBe(true);
    expect(running.has('green')).toBe(false); // the unready instance was stopped
    expect(running.has('blue')).toBe(true);
    expect((await proxy.https('/readyz')).status).toBe(200);
    rmSync(badDir, { recursive: true, force: true });
  }, 60_000);

  it('puts the old upstream back when nginx refuses the new configuration', async () => {
    const before = readFileSync(proxy.upstreamFile);
    const panelConf = join(proxy.dir, 'panel.conf');
    const good = readFileSync(panelConf);
    appendFileSync(panelConf, '\nthis_is_not_a_directive;\n');
    try {
      await expect(switchTo('green', options())).rejects.toThrow(/nginx refused the switch/);
    } finally {
      writeFileSync(panelConf, good);
    }
    expect(readFileSync(proxy.upstreamFile).equals(before)).toBe(true);
    expect(running.has('green')).toBe(false);
    expect((await proxy.https('/readyz')).status).toBe(200);
    // A switch to the color already serving is refused before anything starts.
    await expect(switchTo('blue', options())).rejects.toThrow(/already takes the traffic/);
  }, 90_000);
});
