import type { PackageRunOptions } from './packages.js';

/**
 * apt's machine-readable progress (`-o APT::Status-Fd=1`), mixed into its stdout:
 *   dlstatus:ID:PERCENT:MESSAGE     downloading, PERCENT of all the files
 *   pmstatus:PACKAGE:PERCENT:MESSAGE  dpkg at work, PERCENT of all its steps
 *   pmerror:DEB:PERCENT:MESSAGE     dpkg failed on one package
 * PACKAGE may carry an architecture (`libc6:amd64`), hence the lazy match up to `:NUMBER:`.
 */
const statusLine = /^(dlstatus|pmstatus|pmerror):(.*?):(\d+(?:\.\d+)?):(.*)$/;

export interface AptStatus {
  kind: 'dlstatus' | 'pmstatus' | 'pmerror';
  subject: string;
  percent: number;
  message: string;
}

export function parseAptStatus(line: string): AptStatus | null {
  const match = statusLine.exec(line);
  if (!match) return null;
  const [, kind, subject = '', percent = '0', message = ''] = match;
  return { kind: kind as AptStatus['kind'], subject, percent: Number(percent), message };
}

/**
 * Takes apt's output lines: status lines become progress (downloading is the first half, dpkg the
 * second; never backwards) and are not forwarded; dpkg's errors go on as stderr lines; everything
 * else goes on as it came.
 */
export class AptOutput {
  private reported = -1;

  constructor(private readonly options: Pick<PackageRunOptions, 'onLine' | 'onProgress'>) {}

  readonly onLine = (stream: 'stdout' | 'stderr', line: string): void => {
    const status = stream === 'stdout' ? parseAptStatus(line) : null;
    if (status === null) {
      this.options.onLine?.(stream, line);
    } else if (status.kind === 'pmerror') {
      this.options.onLine?.('stderr', `${status.subject}: ${status.message}`);
    } else {
      const half = Math.min(Math.max(status.percent, 0), 100) / 2;
      this.report(status.kind === 'dlstatus' ? half : 50 + half);
    }
  };

  /** apt's own numbers stop short of 100 (triggers run after the last step): success is 100. */
  done(): void {
    this.report(100);
  }

  private report(percent: number): void {
    const whole = Math.floor(percent);
    if (whole <= this.reported) return;
    this.reported = whole;
    this.options.onProgress?.(whole);
  }
}
