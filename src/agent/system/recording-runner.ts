import { ExecError, type RunOptions, type RunResult } from './exec.js';
import type { Runner } from './host-command.js';

/**
 * A Runner that starts nothing: it records each argv and answers from a script. For unit tests
 * below an adapter's real integration test (the systemd backend on a host without systemd, apt's
 * retry logic), never instead of it.
 */

export interface RecordedCall {
  file: string;
  args: string[];
  options: RunOptions;
}

export interface ScriptedAnswer {
  stdout?: string;
  stderr?: string;
  /** Non-zero makes the call fail with an ExecError, as exec's run does. */
  code?: number;
}

export type RecordingRunner = Runner & { calls: RecordedCall[] };

export function recordingRunner(
  answer: (file: string, args: readonly string[]) => ScriptedAnswer = () => ({}),
): RecordingRunner {
  const calls: RecordedCall[] = [];
  const runner = async (
    file: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<RunResult> => {
    calls.push({ file, args: [...args], options });
    const { stdout = '', stderr = '', code = 0 } = answer(file, args);
    emitLines('stdout', stdout, options.onLine);
    emitLines('stderr', stderr, options.onLine);
    if (code !== 0) throw new ExecError([file, ...args], 'exit', code, null, stderr);
    return { code: 0, stdout, stderr, durationMs: 0 };
  };
  return Object.assign(runner, { calls });
}

function emitLines(stream: 'stdout' | 'stderr', text: string, onLine: RunOptions['onLine']): void {
  if (text === '') return;
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  for (const line of lines) onLine?.(stream, line);
}
