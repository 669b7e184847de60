import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupOsUser, type OsUser } from './os-users.js';
import { connectAs, PeerStream } from './peer-socket.js';

// Runs as root (the agent's user); `nobody` stands for postgres here.
let nobody: OsUser;
const dir = mkdtempSync(join(tmpdir(), 'diwan-peer-'));
let server: Server;

beforeAll(async () => {
  nobody = (await lookupOsUser('nobody'))!;
  chmodSync(dir, 0o755);
  server = createServer((socket) => socket.pipe(socket)); // echo
  await new Promise<void>((resolve) => server.listen(join(dir, 'open.sock'), resolve));
  chmodSync(join(dir, 'open.sock'), 0o777);
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('connections opened as another OS user', () => {
  it('hands back a connected socket that carries data both ways', async () => {
    const stream = new PeerStream(async () => nobody);
    const connected = new Promise((resolve) => stream.once('connect', resolve));
    stream.connect(join(dir, 'open.sock'));
    stream.write('written before the connection existed\n');
    await connected;
    const echoed = await new Promise<string>((resolve) =>
      stream.once('data', (chunk) => resolve(String(chunk))),
    );
    expect(echoed).toBe('written before the connection existed\n');
    stream.destroy();
  });

  it('is that user: a socket only root may open is refused to it', async () => {
    const closed = join(dir, 'root-only');
    const inner = createServer();
    mkdirSync(closed, { mode: 0o700 });
    chownSync(closed, 0, 0);
    await new Promise<void>((resolve) => inner.listen(join(closed, 'x.sock'), resolve));
    try {
      await expect(connectAs(join(closed, 'x.sock'), nobody)).rejects.toMatchObject({ code: 'EACCES' });
    } finally {
      inner.close();
    }
  });

  it('kills a connector that does not answer in time, and says so', async () => {
    await expect(connectAs(join(dir, 'open.sock'), nobody, { timeoutMs: 1 })).rejects.toThrow(
      /cannot connect to .* as nobody: no connection after 1 ms/,
    );
  });

  it('connects as the agent itself when there is no such user', async () => {
    const stream = new PeerStream(async () => null);
    await new Promise((resolve) => stream.connect(join(dir, 'open.sock')).once('connect', resolve));
    stream.write('ping\n');
    expect(String(await new Promise((resolve) => stream.once('data', resolve)))).toBe('ping\n');
    stream.destroy();
  });

  it('a stream destroyed while connecting never connects', async () => {
    const stream = new PeerStream(async () => nobody);
    let connected = false;
    stream.once('connect', () => (connected = true));
    stream.connect(join(dir, 'open.sock'));
    stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(connected).toBe(false);
  });

  it('reports a missing socket with its code, as a driver would', async () => {
    await expect(connectAs(join(dir, 'none.sock'), nobody)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
