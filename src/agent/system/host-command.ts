import { DiwanError } from '../../contract/errors.js';
import { ExecError, type RunOptions, type RunResult } from './exec.js';

/** exec's `run`; adapters take it as a constructor parameter so unit tests can record the argv. */
export type Runner = (file: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

const DETAIL_LINES = 3;
const KEPT_LINES = 20;

/**
 * Runs a host program for something the caller asked for (`service nginx start`, `apt-get install`)
 * and turns its failure into a DiwanError whose message carries the program's own last words, so the
 * UI can show why. Caller mistakes (TypeError from exec) pass through unchanged: they are bugs.
 */
export async function runAction(
  runner: Runner,
  what: string,
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  // Init scripts often report on stdout ("Starting nginx: nginx failed!") and leave stderr to the
  // daemon, so keep the tail of both; exec's ExecError only carries stderr.
  const recent = new RecentLines(KEPT_LINES);
  try {
    return await runner(file, args, {
      ...options,
      onLine: (stream, line) => {
        recent.push(stream, line);
        options.onLine?.(stream, line);
      },
    });
  } catch (error) {
    throw hostCommandError(what, error, recent.detail());
  }
}

/** Wraps an ExecError; anything else (a TypeError from a caller's mistake) is returned as it is. */
export function hostCommandError(what: string, error: unknown, detail?: string): unknown {
  if (!(error instanceof ExecError)) return error;
  const words = detail ?? lastLines(error.stderr.split('\n'));
  const how =
    error.reason === 'timeout'
      ? 'timed out'
      : error.reason === 'aborted'
        ? 'was cancelled'
        : error.reason === 'spawn'
          ? 'could not be started'
          : error.reason === 'output-limit'
            ? 'produced too much output'
            : error.signal
              ? `was killed by ${error.signal}`
              : `failed (exit code ${error.exitCode})`;
  return new DiwanError('DIWAN_E_HOST_COMMAND', `${what} ${how}${words ? `: ${words}` : ''}`, undefined, {
    cause: error,
  });
}

/** The stderr of a failed run wrapped by runAction or hostCommandError, for callers that must look at it. */
export function stderrOf(error: unknown): string {
  const cause = error instanceof DiwanError ? error.cause : error;
  return cause instanceof ExecError ? cause.stderr : '';
}

class RecentLines {
  private readonly lines: { stderr: string[]; stdout: string[] } = { stderr: [], stdout: [] };
  constructor(private readonly keep: number) {}

  push(stream: 'stdout' | 'stderr', line: string): void {
    if (line.trim() === '') return;
    const kept = this.lines[stream];
    kept.push(line);
    if (kept.length > this.keep) kept.shift();
  }

  /** What the program said last on stderr, or on stdout when stderr stayed empty. */
  detail(): string {
    return lastLines(this.lines.stderr.length > 0 ? this.lines.stderr : this.lines.stdout);
  }
}

function lastLines(lines: readonly string[]): string {
  return lines
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-DETAIL_LINES)
    .join('\n');
}
