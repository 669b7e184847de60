import { PassThrough, Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import hostile from '../../../test/fixtures/hostile-inputs.json' with { type: 'json' };
import { ExecError, argvSafe, run } from './exec.js';

async function failure(promise: Promise<unknown>): Promise<ExecError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExecError);
  return error as ExecError;
}

describe('run', () => {
  afterEach(() => {
    delete process.env.DIWAN_TEST_LEAK;
  });

  it('passes each argument verbatim as one argument, shell metacharacters included', async () => {
    // NUL-separated, so values holding newlines compare exactly; '--' ends printf's own options.
    const values = [...hostile.shell.values, ...hostile.argument.values];
    const { stdout, code } = await run('/usr/bin/printf', ['--', '%s\\0', ...values]);
    expect(code).toBe(0);
    expect(stdout.split('\0').slice(0, -1)).toEqual(values);
  });

  it('resolves bare names against the fixed PATH, not process.env.PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await run('echo', ['hi'])).toMatchObject({ stdout: 'hi\n' });
    } finally {
      process.env.PATH = saved;
    }
  });

  it('refuses relative program paths', async () => {
    await expect(run('./x', [])).rejects.toThrow(TypeError);
    await expect(run('bin/x', [])).rejects.toThrow(TypeError);
    await expect(run('..', [])).rejects.toThrow(TypeError);
  });

  it('reports an unknown program as a spawn failure', async () => {
    expect((await failure(run('diwan-no-such-program', []))).reason).toBe('spawn');
    const absolute = await failure(run('/nonexistent/diwan-prog', ['a']));
    expect(absolute.reason).toBe('spawn');
    expect(absolute.command).toEqual(['/nonexistent/diwan-prog', 'a']);
  });

  it('writes stdin to the child and closes it; stdin never appears in an error', async () => {
    const ok = await run('/bin/cat', [], { stdin: 'secret-💡\nline2' });
    expect(ok.stdout).toBe('secret-💡\nline2');
    expect((await run('/bin/cat', [], { stdin: Buffer.from([0x61, 0x00, 0x62]) })).stdout).toBe('a\0b');

    const error = await failure(
      run('/bin/sh', ['-c', 'cat >/dev/null; echo bad >&2; exit 3'], { stdin: 'hunter2-secret' }),
    );
    expect(error.exitCode).toBe(3);
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('hunter2');
  });

  it('streams stdin from a Readable and stdout into a Writable, beyond the output cap', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        setTimeout(done, 1); // a slow consumer: the run must wait for it
      },
    });
    const input = Readable.from(
      (function* () {
        for (let i = 0; i < 200; i++) yield Buffer.alloc(1024, i % 256);
      })(),
    );
    const result = await run('cat', [], { stdinFrom: input, stdoutTo: sink, maxOutputBytes: 1024 });
    expect(result.stdout).toBe('');
    expect(Buffer.concat(chunks).length).toBe(200 * 1024);
  });

  it('stops the child when the stream feeding it fails', async () => {
    const input = new PassThrough();
    const running = run('cat', [], { stdinFrom: input, stdoutTo: new PassThrough().resume() });
    input.destroy(new Error('disk gone'));
    const error = await failure(running);
    expect(error.cause).toMatchObject({ message: 'disk gone' });
  });

  it('gives children a fixed environment, nothing inherited', async () => {
    process.env.DIWAN_TEST_LEAK = 'leaked';
    const { stdout } = await run('/usr/bin/env', []);
    const vars = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(vars).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      HOME: '/root',
    });
    expect(stdout).not.toContain('DIWAN_');

    const custom = await run('/usr/bin/env', [], {
      env: { HOME: '/var/lib/x', DEBIAN_FRONTEND: 'noninteractive' },
    });
    expect(custom.stdout).toContain('HOME=/var/lib/x\n');
    expect(custom.stdout).toContain('DEBIAN_FRONTEND=noninteractive\n');
    await expect(run('/usr/bin/env', [], { env: { PATH: '/tmp' } })).rejects.toThrow(TypeError);
  });

  it('honours cwd', async () => {
    expect((await run('/bin/pwd', [], { cwd: '/usr' })).stdout).toBe('/usr\n');
  });

  it('carries exit code and stderr on a non-zero exit', async () => {
    const error = await failure(run('/bin/sh', ['-c', 'echo first >&2; echo "the last words" >&2; exit 7']));
    expect(error).toMatchObject({ reason: 'exit', exitCode: 7, signal: null });
    expect(error.stderr).toBe('first\nthe last words\n');
    expect(error.command).toEqual(['/bin/sh', '-c', 'echo first >&2; echo "the last words" >&2; exit 7']);
    expect(error.message).toContain('/bin/sh');
    expect(error.message).toMatch(/exited with code 7: the last words$/);
  });

  it('keeps only the last 8 KB of stderr', async () => {
    const error = await failure(
      run('/bin/sh', ['-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 1']),
    );
    expect(Buffer.byteLength(error.stderr)).toBeLessThanOrEqual(8 * 1024);
    expect(error.stderr.endsWith('line 1999\n')).toBe(true);
  });

  it('reports a child killed by a signal', async () => {
    const error = await failure(run('/bin/sh', ['-c', 'kill -USR1 $$']));
    expect(error).toMatchObject({ reason: 'exit', exitCode: null, signal: 'SIGUSR1' });
  });

  it('kills on timeout', async () => {
    const started = Date.now();
    const error = await failure(run('/bin/sleep', ['30'], { timeoutMs: 200 }));
    expect(error).toMatchObject({ reason: 'timeout', signal: 'SIGTERM' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('SIGKILLs a child that ignores SIGTERM, two seconds later', async () => {
    const started = Date.now();
    // The trap proves SIGTERM arrived; `wait` keeps the shell interruptible while sleep runs.
    const error = await failure(
      run('/bin/sh', ['-c', 'trap "echo got-term >&2" TERM; while :; do sleep 1 & wait; done'], {
        timeoutMs: 200,
      }),
    );
    expect(error).toMatchObject({ reason: 'timeout', signal: 'SIGKILL' });
    expect(error.stderr).toContain('got-term');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  });

  it('kills a child that writes more than the cap', async () => {
    const error = await failure(run('yes', [], { maxOutputBytes: 64 * 1024 }));
    expect(error.reason).toBe('output-limit');
    const small = await failure(run('/bin/sh', ['-c', 'yes >&2'], { maxOutputBytes: 1000 }));
    expect(small.reason).toBe('output-limit');
    expect(Buffer.byteLength(small.stderr)).toBeLessThanOrEqual(1000);
  });

  it('streams complete lines in order, including a last line without a newline', async () => {
    const lines: string[] = [];
    const result = await run('/usr/bin/printf', ['one\ntwo\r\nthré\nlast'], {
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    expect(lines).toEqual(['stdout:one', 'stdout:two', 'stdout:thré', 'stdout:last']);
    expect(result.stdout).toBe('one\ntwo\r\nthré\nlast');

    const mixed: string[] = [];
    await run('/bin/sh', ['-c', 'echo a; sleep 0.05; echo b >&2; sleep 0.05; echo c'], {
      onLine: (stream, line) => mixed.push(`${stream}:${line}`),
    });
    expect(mixed).toEqual(['stdout:a', 'stderr:b', 'stdout:c']);
  });

  it('streams many lines across chunk boundaries without losing any', async () => {
    const lines: string[] = [];
    await run('/usr/bin/seq', ['1', '20000'], { onLine: (_s, line) => lines.push(line) });
    expect(lines).toHaveLength(20000);
    expect(lines.at(-1)).toBe('20000');
  });

  it('kills the child when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = run('/bin/sleep', ['30'], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await failure(pending);
    expect(error).toMatchObject({ reason: 'aborted', signal: 'SIGTERM' });
    expect((await failure(run('/bin/echo', [], { signal: AbortSignal.abort() }))).reason).toBe('aborted');
  });

  it('returns stdout, stderr and the duration', async () => {
    const result = await run('/bin/sh', ['-c', 'echo out; echo err >&2']);
    expect(result).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(result.durationMs).toBeGreaterThan(0);
  });
});

describe('argvSafe', () => {
  it('refuses anything a program could read as an option', () => {
    for (const value of hostile.argument.values) expect(() => argvSafe(value)).toThrow(TypeError);
  });

  it('refuses NUL and newlines', () => {
    for (const value of ['a\0b', 'a\nb', 'a\r\nb']) expect(() => argvSafe(value)).toThrow(TypeError);
  });

  it('passes ordinary operands through unchanged', () => {
    for (const value of ['example.com', 'a;id', '$(id)', 'a b', 'x-y']) expect(argvSafe(value)).toBe(value);
  });
});
