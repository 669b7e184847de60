import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * The only way Diwan starts a process: an argv array, no shell, a fixed environment, a timeout and a
 * cap on output. Data goes through argv (after `--`, checked with `argvSafe`) or stdin; secrets go
 * through stdin only, because argv is readable by every user in /proc.
 */

/** Where bare program names are looked up: never the caller's PATH, which an attacker may shape. */
export const FIXED_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const BASE_ENV: Readonly<Record<string, string>> = {
  PATH: FIXED_PATH,
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  HOME: '/root',
};

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const KILL_GRACE_MS = 2_000;
const STDERR_TAIL_BYTES = 8 * 1024;

export type ExecFailureReason = 'exit' | 'timeout' | 'output-limit' | 'spawn' | 'aborted';

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. The place for secrets. */
  stdin?: string | Buffer;
  /** Piped to the child's stdin instead of `stdin` (a dump being imported); its errors stop the child. */
  stdinFrom?: Readable;
  /**
   * Receives the child's stdout instead of collecting it (a dump being written): not capped, and
   * the run ends only once this stream has finished. `stdout` in the result is then empty.
   */
  stdoutTo?: Writable;
  timeoutMs?: number;
  /** Per stream; going past it kills the child. */
  maxOutputBytes?: number;
  cwd?: string;
  /**
   * Run as this user and group instead of the agent's (PostgreSQL's tools as `postgres`, for its
   * `peer` authentication). The working directory is then `/` unless `cwd` says otherwise.
   */
  user?: { uid: number; gid: number };
  /** Added to the fixed environment (PATH cannot be changed). */
  env?: Record<string, string>;
  /** Complete lines as they arrive, for live task logs. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  code: 0;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export class ExecError extends Error {
  override readonly name = 'ExecError';
  constructor(
    readonly command: string[],
    readonly reason: ExecFailureReason,
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The last 8 KB of the child's stderr. */
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(describeFailure(command, reason, exitCode, signal, stderr), options);
  }
}

/**
 * Second guard for an operand a user chose (the first is `--` before it): refuses what a program
 * could read as an option, and what could split one record into two in a config or a log.
 */
export function argvSafe(operand: string): string {
  if (operand.startsWith('-'))
    throw new TypeError(`operand may not start with '-': ${JSON.stringify(operand)}`);
  if (/[\0\r\n]/.test(operand))
    throw new TypeError(`operand may not contain NUL or a newline: ${JSON.stringify(operand)}`);
  return operand;
}

export async function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  // Caller mistakes (relative paths, NUL bytes, PATH overrides) are bugs, not host failures: they
  // reject with a TypeError rather than an ExecError.
  // Another user's process gets no HOME of root's (files it would read there, or fail to).
  const env = buildEnv({ ...(options.user ? { HOME: '/' } : {}), ...options.env });
  for (const arg of args) {
    if (typeof arg !== 'string' || arg.includes('\0'))
      throw new TypeError('argv entries must be strings without NUL');
  }
  const resolved = resolveProgram(file);
  if (resolved === null) {
    throw new ExecError([file, ...args], 'spawn', null, null, 'program not found in the fixed PATH');
  }
  return spawnAndCollect([resolved, ...args], env, options);
}

function buildEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = { ...BASE_ENV };
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (key === 'PATH') throw new TypeError('PATH is fixed and cannot be overridden');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || value.includes('\0')) {
      throw new TypeError(`invalid environment variable ${JSON.stringify(key)}`);
    }
    env[key] = value;
  }
  return env;
}

/** An absolute path as given, or a bare name looked up in FIXED_PATH; anything relative is refused. */
function resolveProgram(file: string): string | null {
  if (file.includes('\0')) throw new TypeError('program name contains NUL');
  if (file.startsWith('/')) return file;
  if (file === '' || file === '.' || file === '..' || file.includes('/')) {
    throw new TypeError(`program must be an absolute path or a bare name, not ${JSON.stringify(file)}`);
  }
  for (const dir of FIXED_PATH.split(':')) {
    const candidate = `${dir}/${file}`;
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

function spawnAndCollect(
  command: string[],
  env: Record<string, string>,
  options: RunOptions,
): Promise<RunResult> {
  const [file, ...args] = command as [string, ...string[]];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const started = performance.now();

  return new Promise<RunResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ExecError(command, 'aborted', null, null, ''));
      return;
    }
    // detached: the child leads its own process group, so a timeout also reaches its children
    // (a shell script's `sleep` would otherwise keep our pipes open after the script is killed).
    const child = spawn(file, args, {
      shell: false,
      detached: true,
      env,
      cwd: options.cwd ?? (options.user ? '/' : undefined),
      stdio: 'pipe',
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });

    let failure: { reason: ExecFailureReason; cause?: unknown } | null = null;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stdout = new Collector('stdout', maxOutputBytes, options.onLine);
    const stderr = new Collector('stderr', maxOutputBytes, options.onLine);

    const signalGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        child.kill(sig); // the group is gone already; make sure the direct child is too
      }
    };
    // First failure wins; SIGTERM lets the program clean up, SIGKILL follows if it does not exit.
    const terminate = (reason: ExecFailureReason, cause?: unknown) => {
      if (failure) return;
      failure = { reason, cause };
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };

    const timer = setTimeout(() => terminate('timeout'), timeoutMs);
    const onAbort = () => terminate('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const feed = (collector: Collector) => (chunk: Buffer) => {
      try {
        if (!collector.push(chunk)) terminate('output-limit');
      } catch (error) {
        terminate('exit', error); // onLine threw: stop the child and hand the error back
      }
    };
    if (options.stdoutTo) {
      child.stdout.pipe(options.stdoutTo);
      options.stdoutTo.on('error', (error) => terminate('exit', error));
    } else child.stdout.on('data', feed(stdout));
    child.stderr.on('data', feed(stderr));

    // A child may exit without reading its input (EPIPE): its exit status tells the story.
    child.stdin.on('error', () => {});
    if (options.stdinFrom) {
      options.stdinFrom.on('error', (error) => terminate('exit', error));
      options.stdinFrom.pipe(child.stdin);
    } else child.stdin.end(options.stdin);

    child.on('error', (error) => {
      // spawn failures (ENOENT, EACCES, bad cwd) arrive here; 'close' may or may not follow.
      finish(() => reject(new ExecError(command, 'spawn', null, null, error.message, { cause: error })));
    });

    child.on('close', (code, signal) => {
      // What the child wrote must be through `stdoutTo` before the run counts as done.
      const drained = options.stdoutTo
        ? finished(options.stdoutTo).catch((error: unknown) => {
            failure ??= { reason: 'exit', cause: error };
          })
        : Promise.resolve();
      void drained.then(() => settle(code, signal));
    });

    function settle(code: number | null, signal: NodeJS.Signals | null) {
      finish(() => {
        try {
          stdout.flush();
          stderr.flush();
        } catch (error) {
          failure ??= { reason: 'exit', cause: error };
        }
        const tail = stderr.tail(STDERR_TAIL_BYTES);
        if (failure) {
          const { reason, cause } = failure;
          reject(
            new ExecError(command, reason, code, signal, tail, cause === undefined ? undefined : { cause }),
          );
        } else if (code !== 0) {
          reject(new ExecError(command, 'exit', code, signal, tail));
        } else {
          resolve({
            code: 0,
            stdout: stdout.text(),
            stderr: stderr.text(),
            durationMs: performance.now() - started,
          });
        }
      });
    }
  });
}

/** Buffers one stream up to its cap and cuts it into lines for onLine. */
class Collector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private partial: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly max: number,
    private readonly onLine: RunOptions['onLine'],
  ) {}

  /** false once the cap is passed; nothing past the cap is kept or streamed. */
  push(chunk: Buffer): boolean {
    const room = this.max - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, Math.max(room, 0)) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
    if (this.onLine) this.emitLines(kept);
    return chunk.length <= room;
  }

  // Split on bytes, not decoded text, so a multi-byte character cut between chunks stays whole.
  private emitLines(chunk: Buffer): void {
    let data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    let newline = data.indexOf(0x0a);
    while (newline !== -1) {
      this.onLine?.(this.stream, stripCr(data.subarray(0, newline).toString('utf8')));
      data = data.subarray(newline + 1);
      newline = data.indexOf(0x0a);
    }
    this.partial = Buffer.from(data);
  }

  /** The last line, when the program did not end it with a newline. */
  flush(): void {
    if (this.onLine && this.partial.length) this.onLine(this.stream, stripCr(this.partial.toString('utf8')));
    this.partial = Buffer.alloc(0);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  tail(bytes: number): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(all.length - bytes, 0)).toString('utf8');
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function describeFailure(
  command: string[],
  reason: ExecFailureReason,
  exitCode: number | null,
  signal: string | null,
  stderr: string,
): string {
  // Never stdin (it may hold a secret); argv is safe to show since secrets never go there.
  const shown = command.map((part) => (/^[\w./:=@+,-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
  const what =
    reason === 'timeout'
      ? 'timed out'
      : reason === 'output-limit'
        ? 'produced too much output'
        : reason === 'aborted'
          ? 'was aborted'
          : reason === 'spawn'
            ? 'could not be started'
            : signal
              ? `was killed by ${signal}`
              : `exited with code ${exitCode}`;
  const lastLine =
    stderr
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? '';
  const shortCommand = shown.length > 300 ? `${shown.slice(0, 300)}…` : shown;
  return `${shortCommand} ${what}${lastLine ? `: ${lastLine}` : ''}`;
}
