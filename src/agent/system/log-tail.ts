import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { DiwanError } from '../../contract/errors.js';

/**
 * The last lines of a service's log files, read directly (no `tail` process): a bounded read from
 * the end of each file, so a multi-gigabyte access log costs no more than a small one.
 */

export const MAX_LOG_LINES = 10_000;
const MAX_FILES = 32;
const CHUNK_BYTES = 64 * 1024;
/** Per file; a tail of very long lines stops here and returns what fits. */
const MAX_BYTES_PER_FILE = 2 * 1024 * 1024;

export function checkLogLines(lines: unknown): number {
  if (typeof lines !== 'number' || !Number.isInteger(lines) || lines < 1 || lines > MAX_LOG_LINES) {
    throw new DiwanError(
      'DIWAN_E_VALIDATION',
      `lines: give a whole number from 1 to ${MAX_LOG_LINES}`,
      'lines',
    );
  }
  return lines;
}

/** Absolute and already normalized: no `..`, `.`, doubled or trailing slashes, no control characters. */
export function checkLogPaths(files: unknown): string[] {
  if (!Array.isArray(files) || files.length > MAX_FILES) {
    throw new DiwanError('DIWAN_E_VALIDATION', `files: give at most ${MAX_FILES} log files`, 'files');
  }
  for (const file of files) {
    if (
      typeof file !== 'string' ||
      !file.startsWith('/') ||
      file.endsWith('/') ||
      posix.normalize(file) !== file ||
      hasControlCharacter(file)
    ) {
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        `files: ${JSON.stringify(String(file).slice(0, 200))} is not an absolute, normalized path`,
        'files',
      );
    }
  }
  return files as string[];
}

/**
 * The last `lines` lines over all `files`, oldest file first (by modification time, so a rotated
 * `error.log.1` comes before `error.log`) and newest line last. Missing files are skipped; a symlink
 * or anything but a regular file is refused, so a log path cannot be pointed at another file.
 */
export async function readLogTail(files: readonly string[], lines: number): Promise<string[]> {
  checkLogLines(lines);
  const tails: { mtimeMs: number; lines: string[] }[] = [];
  for (const file of checkLogPaths(files)) {
    const tail = await tailOfFile(file, lines);
    if (tail) tails.push(tail);
  }
  tails.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return tails.flatMap((tail) => tail.lines).slice(-lines);
}

async function tailOfFile(path: string, lines: number): Promise<{ mtimeMs: number; lines: string[] } | null> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW refuses a symlink in the last component; O_NONBLOCK keeps a FIFO from blocking open.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') throw refused(path, 'a symlink');
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw refused(path, 'not a regular file');
    return { mtimeMs: stat.mtimeMs, lines: await readLastLines(handle, stat.size, lines) };
  } finally {
    await handle.close();
  }
}

/** Reads backwards chunk by chunk until it holds more than `lines` line ends or hits the cap. */
async function readLastLines(handle: FileHandle, size: number, lines: number): Promise<string[]> {
  const chunks: Buffer[] = [];
  let start = size;
  let newlines = 0;
  while (start > 0 && newlines <= lines && size - start < MAX_BYTES_PER_FILE) {
    const length = Math.min(CHUNK_BYTES, start, MAX_BYTES_PER_FILE - (size - start));
    start -= length;
    const chunk = Buffer.alloc(length);
    const { bytesRead } = await handle.read(chunk, 0, length, start);
    const read = chunk.subarray(0, bytesRead);
    chunks.unshift(read);
    for (const byte of read) if (byte === 0x0a) newlines++;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const all = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (all.at(-1) === '') all.pop(); // the file's final newline ends the last line, it starts none
  if (start > 0) all.shift(); // the read began mid-line (or mid-character): drop the partial line
  return all.slice(-lines);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function refused(path: string, what: string): DiwanError {
  return new DiwanError('DIWAN_E_FORBIDDEN', `refusing to read ${path}: it is ${what}`, 'files');
}

/** Largest slice of new log one follow step reads; what is left comes with the next step. */
const FOLLOW_CHUNK_BYTES = 256 * 1024;

/**
 * What a log file gained since `offset` (a byte position from an earlier call): complete lines
 * only, and the offset to ask from next time. A file smaller than the offset was rotated: it is read
 * from its start. A missing file has nothing new (offset 0).
 */
export async function readLogSince(
  path: string,
  offset: number,
): Promise<{ offset: number; lines: string[] }> {
  const [file] = checkLogPaths([path]);
  let handle: FileHandle;
  try {
    handle = await open(file!, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { offset: 0, lines: [] };
    if (code === 'ELOOP') throw refused(file!, 'a symlink');
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw refused(file!, 'not a regular file');
    const start = stat.size < offset ? 0 : offset;
    const length = Math.min(stat.size - start, FOLLOW_CHUNK_BYTES);
    if (length <= 0) return { offset: start, lines: [] };
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return { offset: start, lines: [] }; // a line still being written
    return {
      offset: start + Buffer.byteLength(text.slice(0, end + 1)),
      lines: text.slice(0, end).split('\n'),
    };
  } finally {
    await handle.close();
  }
}
