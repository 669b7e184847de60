import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiwanError } from '../../contract/errors.js';
import { readLogSince, readLogTail } from './log-tail.js';

const dir = mkdtempSync(join(tmpdir(), 'diwan-log-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
}

function logFile(name: string, lines: string[], ageSeconds = 0, ending = '\n'): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join(ending) + ending);
  const time = Date.now() / 1000 - ageSeconds;
  utimesSync(path, time, time);
  return path;
}

async function refusal(promise: Promise<unknown>): Promise<DiwanError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiwanError);
  return error as DiwanError;
}

describe('readLogTail', () => {
  it('returns the last lines of one file, fewer when the file is shorter', async () => {
    const path = logFile('one.log', numbered('line', 50));
    expect(await readLogTail([path], 3)).toEqual(['line 48', 'line 49', 'line 50']);
    expect(await readLogTail([path], 500)).toEqual(numbered('line', 50));
  });

  it('reads a large file from its end only, across chunk boundaries', async () => {
    // ~3 MB: more than the per-file cap, so a read from the start could not reach the end.
    const lines = numbered('a long-ish request line for the access log, number', 60_000);
    const path = logFile('big.log', lines);
    expect(await readLogTail([path], 5)).toEqual(lines.slice(-5));
    expect(await readLogTail([path], 3_000)).toEqual(lines.slice(-3_000));
  });

  it('reads at most 2 MB of each file, however many lines are asked', async () => {
    const lines = numbered('x'.repeat(290), 10_000); // about 3 MB
    const tail = await readLogTail([logFile('wide.log', lines)], 10_000);
    expect(tail.length).toBeGreaterThan(6_000);
    expect(tail.length).toBeLessThan(7_300);
    expect(tail).toEqual(lines.slice(-tail.length));
  });

  it('puts the most recently written file last and cuts the total to the count asked', async () => {
    const rotated = logFile('error.log.1', numbered('old', 4), 3600);
    const current = logFile('error.log', numbered('new', 3));
    // Given in the "wrong" order: modification time decides.
    expect(await readLogTail([current, rotated], 5)).toEqual(['old 3', 'old 4', 'new 1', 'new 2', 'new 3']);
  });

  it('skips missing files', async () => {
    const path = logFile('present.log', ['only']);
    expect(await readLogTail([join(dir, 'absent.log'), path, join(dir, 'no/such/dir.log')], 10)).toEqual([
      'only',
    ]);
    expect(await readLogTail([join(dir, 'absent.log')], 10)).toEqual([]);
  });

  it('keeps a last line without a newline, strips CR, and handles an empty file', async () => {
    const path = join(dir, 'crlf.log');
    writeFileSync(path, 'first\r\nsecond\r\nunfinished');
    expect(await readLogTail([path], 2)).toEqual(['second', 'unfinished']);
    writeFileSync(join(dir, 'empty.log'), '');
    expect(await readLogTail([join(dir, 'empty.log')], 2)).toEqual([]);
  });

  it('keeps multi-byte characters whole', async () => {
    const path = logFile('arabic.log', numbered('سطر ✓', 20_000));
    expect(await readLogTail([path], 2)).toEqual(['سطر ✓ 19999', 'سطر ✓ 20000']);
  });

  it('refuses symlinks, directories and devices', async () => {
    const target = logFile('target.log', ['secret']);
    symlinkSync(target, join(dir, 'link.log'));
    mkdirSync(join(dir, 'a-dir'));
    for (const path of [join(dir, 'link.log'), join(dir, 'a-dir'), '/dev/null']) {
      const error = await refusal(readLogTail([path], 1));
      expect(error.code, path).toBe('DIWAN_E_FORBIDDEN');
      expect(error.message).toContain(path);
    }
  });

  it('refuses relative, unnormalized and control-character paths before reading', async () => {
    for (const path of [
      'relative.log',
      './x.log',
      `${dir}/../x.log`,
      `${dir}/./x.log`,
      `${dir}//x.log`,
      `${dir}/`,
      `${dir}/x.log\n`,
      `${dir}/x\0.log`,
      '',
    ]) {
      const error = await refusal(readLogTail([path], 1));
      expect(error, JSON.stringify(path)).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'files' });
    }
  });

  it('refuses a line count that is not a whole number from 1 to 10000', async () => {
    for (const lines of [0, -1, 1.5, 10_001, Number.NaN]) {
      const error = await refusal(readLogTail([], lines));
      expect(error, String(lines)).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'lines' });
    }
  });
});

describe('following a log', () => {
  it('gives complete lines only, then what was added, and starts over when the file was rotated', async () => {
    const file = join(dir, 'followed.log');
    writeFileSync(file, 'one\ntwo\nthr');
    const first = await readLogSince(file, 0);
    expect(first).toEqual({ offset: 8, lines: ['one', 'two'] });
    appendFileSync(file, 'ee\nfour\n');
    expect(await readLogSince(file, first.offset)).toEqual({ offset: 19, lines: ['three', 'four'] });
    expect(await readLogSince(file, 19)).toEqual({ offset: 19, lines: [] });
    writeFileSync(file, 'new\n'); // rotated: smaller than the offset
    expect(await readLogSince(file, 19)).toEqual({ offset: 4, lines: ['new'] });
    expect(await readLogSince(join(dir, 'missing.log'), 10)).toEqual({ offset: 0, lines: [] });
  });
});
