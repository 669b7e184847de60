import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { OsUser } from './os-users.js';

/**
 * Unix-socket connections that carry another OS user's identity. PostgreSQL on stock Debian lets its
 * superuser in over the socket by `peer` authentication only (`local all postgres peer`): the
 * server asks the kernel who connected (SO_PEERCRED), and root is not `postgres`. Rather than edit
 * pg_hba.conf or pg_ident.conf on the host, the agent has a short-lived process, running as that
 * user, open the connection and hand the connected socket back over IPC; the credentials were
 * recorded at connect time, so the server sees `postgres` while the agent keeps working as root.
 * One process per connection (a Node start, ~50 ms); the pools keep their connections.
 */

// Runs with `node -e`: no file to find, whatever the layout of the install.
const CONNECTOR = `
const socket = require('node:net').connect(process.argv[1]);
socket.on('connect', () => process.send('connected', socket, () => process.exit(0)));
socket.on('error', (error) => process.send({ error: error.code || error.message }, () => process.exit(1)));
`;

/** A connected socket to `path`, opened by a process running as `user`. */
export function connectAs(path: string, user: OsUser, timeoutMs = 10_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CONNECTOR, path], {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      timeout: timeoutMs,
    });
    let stderr = '';
    let settled = false;
    const fail = (code: string, message: string) => {
      if (settled) return;
      settled = true;
      reject(Object.assign(new Error(message), { code }));
    };
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8').slice(0, 2000)));
    child.on('message', (message: unknown, handle: unknown) => {
      if (handle instanceof Socket) {
        settled = true;
        resolve(handle);
        return;
      }
      const code = (message as { error?: unknown } | null)?.error;
      fail(
        typeof code === 'string' ? code : 'ECONNREFUSED',
        `connect to ${path} as ${user.name}: ${String(code)}`,
      );
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(error.code ?? 'EACCES', `cannot start a process as ${user.name}: ${error.message}`),
    );
    child.on('exit', (code, signal) =>
      fail('ECONNREFUSED', `connect to ${path} as ${user.name}: exit ${code ?? signal}: ${stderr.trim()}`),
    );
  });
}

/**
 * What pg's `stream` option wants: an object it can `connect(path)`, read, write and end. Writes
 * before the connection exists wait for it; everything else goes to the socket `connectAs` returns.
 */
export class PeerStream extends Duplex {
  #inner: Socket | null = null;
  #waiting: (() => void)[] = [];
  #unref = false;

  constructor(private readonly user: () => Promise<OsUser>) {
    super();
  }

  connect(path: string): this {
    this.user()
      .then((user) => connectAs(path, user))
      .then(
        (socket) => {
          if (this.destroyed) {
            socket.destroy();
            return;
          }
          this.#inner = socket;
          if (this.#unref) socket.unref();
          socket.on('data', (chunk: Buffer) => {
            if (!this.push(chunk)) socket.pause();
          });
          socket.on('end', () => this.push(null));
          socket.on('error', (error) => this.destroy(error));
          socket.on('close', () => this.destroy());
          this.emit('connect');
          for (const write of this.#waiting.splice(0)) write();
        },
        (error: unknown) => this.destroy(error as Error),
      );
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    this.#unref = false;
    this.#inner?.ref();
    return this;
  }

  unref(): this {
    this.#unref = true;
    this.#inner?.unref();
    return this;
  }

  override _read(): void {
    this.#inner?.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const write = () => this.#inner!.write(chunk, encoding, callback);
    if (this.#inner) write();
    else this.#waiting.push(write);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#inner) this.#inner.end(callback);
    else callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inner?.destroy();
    callback(error);
  }
}
