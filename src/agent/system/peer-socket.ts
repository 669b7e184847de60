import { spawn } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { DiwanError } from '../../contract/errors.js';
import type { OsUser } from './os-users.js';

/**
 * Unix-socket connections that carry another OS user's identity. PostgreSQL on stock Debian lets its
 * superuser in over the socket by `peer` authentication only (`local all postgres peer`): the
 * server asks the kernel who connected (SO_PEERCRED, the effective uid and gid at connect time), and
 * root is not `postgres`. Rather than edit pg_hba.conf or pg_ident.conf on the host, the agent has a
 * short-lived process connect with that user's effective ids and hand the connected socket back
 * over IPC.
 *
 * The connector starts as root and only lowers its *effective* ids (real and saved stay 0), so the
 * user it speaks for can neither signal nor ptrace it: the agent's IPC peer stays code only root can
 * touch (Node's IPC parser does not survive a hostile peer). It is the one place in the agent that
 * spawns a process without exec.ts's `run`: `run` has no IPC channel, and a socket cannot travel
 * through a pipe. A connector that hangs is killed; one that cannot start at all (no such user, or
 * Node not executable) makes the connection fall back to the agent's own identity, as before.
 */

const CONNECT_TIMEOUT_MS = 10_000;

// Runs with `node -e`: no file to find, whatever the layout of the install.
const CONNECTOR = `
const [path, uid, gid] = process.argv.slice(1);
process.setgroups([]);
process.setegid(Number(gid));
process.seteuid(Number(uid));
const socket = require('node:net').connect(path);
socket.on('connect', () => process.send('connected', socket, () => process.exit(0)));
socket.on('error', (error) => process.send({ error: String(error.code || error.message) }, () => process.exit(1)));
`;

/** The connector could not run: the caller may connect as itself instead. */
export class ConnectorUnavailable extends Error {
  override readonly name = 'ConnectorUnavailable';
}

/**
 * A connected socket to `path` whose peer credentials are `user`'s. Rejects with the socket's own
 * error code (ENOENT, ECONNREFUSED…) when the server is not there, with ConnectorUnavailable when
 * the connector cannot start, and with a DiwanError when it misbehaves or outlives `timeoutMs`.
 */
export function connectAs(
  path: string,
  user: OsUser,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CONNECTOR, '--', path, String(user.uid), String(user.gid)], {
      cwd: '/',
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
    let stderr = '';
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      if (child.connected) child.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      outcome();
    };
    const fail = (error: Error) => finish(() => reject(error));
    const misbehaved = (what: string) =>
      fail(new DiwanError('DIWAN_E_HOST_COMMAND', `cannot connect to ${path} as ${user.name}: ${what}`));
    const timer = setTimeout(() => misbehaved(`no connection after ${timeoutMs} ms`), timeoutMs);
    const abort = () => misbehaved('cancelled');
    options.signal?.addEventListener('abort', abort, { once: true });

    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8').slice(0, 2000 - stderr.length);
    });
    child.on('message', (message: unknown, handle: unknown) => {
      // Only a connected Unix socket, announced as such, is taken; anything else is closed.
      const isPipe = handle instanceof Socket && handle.remoteAddress === undefined;
      if (message === 'connected' && isPipe && !settled) {
        finish(() => resolve(handle));
        return;
      }
      if (handle instanceof Socket) handle.destroy();
      const code = (message as { error?: unknown } | null)?.error;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
        fail(Object.assign(new Error(`connect to ${path} as ${user.name}: ${code}`), { code }));
      } else misbehaved('unexpected answer from the connector');
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(new ConnectorUnavailable(`cannot start a connector for ${user.name}: ${error.message}`)),
    );
    child.on('exit', (code, signal) =>
      misbehaved(`the connector ended (${code ?? signal})${stderr.trim() ? `: ${stderr.trim()}` : ''}`),
    );
  });
}

/**
 * What pg's `stream` option wants: an object it can `connect(path)`, read, write and end. Writes
 * before the connection exists wait for it; everything else goes to the socket `connectAs` returns.
 * `user` resolving to null, or a connector that cannot start, means: connect as the agent itself.
 */
export class PeerStream extends Duplex {
  #inner: Socket | null = null;
  #waiting: (() => void)[] = [];
  #unref = false;
  readonly #cancel = new AbortController();

  constructor(private readonly user: () => Promise<OsUser | null>) {
    super();
  }

  connect(path: string): this {
    const opened = this.user().then(async (user) => {
      if (user === null) return direct(path);
      try {
        return await connectAs(path, user, { signal: this.#cancel.signal });
      } catch (error) {
        if (error instanceof ConnectorUnavailable) return direct(path);
        throw error;
      }
    });
    opened.then(
      (socket) => process.nextTick(() => this.#attach(socket)),
      (error: unknown) => this.destroy(error as Error),
    );
    return this;
  }

  #attach(socket: Socket): void {
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
    this.#cancel.abort();
    this.#inner?.destroy();
    callback(error);
  }
}

/** A plain connection, with the agent's own credentials. */
function direct(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
