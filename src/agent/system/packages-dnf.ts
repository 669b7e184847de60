import { DiwanError } from '../../contract/errors.js';
import { ExecError, run } from './exec.js';
import { hostCommandError, runAction, stderrOf, type Runner } from './host-command.js';
import type { Mutex } from './mutex.js';
import { checkPackageNames } from './names.js';
import { DEFAULT_PACKAGE_TIMEOUT_MS, packageOperations, remainingMs } from './package-runs.js';
import type { PackageManager, PackageRemoveOptions, PackageRunOptions } from './packages.js';

/**
 * RHEL, Rocky, Alma, Fedora: rpm to look, dnf to change.
 * UNTESTED: written against dnf 4's and rpm's documentation; no test has run it, since the machines
 * the tests run on are Debian. Before relying on it, give it the real-host tests apt has in
 * packages.test.ts, on a dnf host. dnf refreshes its metadata itself (metadata_expire), so there
 * is no update step, and it prints no machine-readable progress: onProgress only hears 100 at the
 * end.
 */

const QUERY_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
/** `EPOCH:VERSION-RELEASE`, the epoch left out when the package has none. */
const EVR = '%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}';

export class DnfPackages implements PackageManager {
  readonly kind = 'dnf';

  constructor(
    private readonly runner: Runner = run,
    private readonly lock: Mutex = packageOperations,
  ) {}

  async installedVersions(names: readonly string[]): Promise<Map<string, string | null>> {
    const checked = checkPackageNames(names);
    const lines: string[] = [];
    try {
      await this.runner('rpm', ['-q', '--qf', `%{NAME}\\t${EVR}\\n`, '--', ...checked], {
        timeoutMs: QUERY_TIMEOUT_MS,
        onLine: (stream, line) => stream === 'stdout' && lines.push(line),
      });
    } catch (error) {
      // rpm -q exits with the number of names it did not find ("package x is not installed").
      if (!(error instanceof ExecError && error.reason === 'exit')) throw hostCommandError('rpm -q', error);
    }
    return pairs(checked, lines);
  }

  async available(names: readonly string[]): Promise<Map<string, string | null>> {
    const checked = checkPackageNames(names);
    const { stdout } = await runAction(
      this.runner,
      'dnf repoquery',
      'dnf',
      [
        'repoquery',
        '--quiet',
        '--available',
        '--latest-limit=1',
        '--qf',
        '%{name}\t%{evr}',
        '--',
        ...checked,
      ],
      { timeoutMs: QUERY_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES },
    );
    return pairs(checked, stdout.split('\n'));
  }

  async findNames(pattern: RegExp): Promise<string[]> {
    const { stdout } = await runAction(
      this.runner,
      'dnf repoquery',
      'dnf',
      ['repoquery', '--quiet', '--available', '--qf', '%{name}'],
      { timeoutMs: QUERY_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES },
    );
    const matches = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return [...new Set(stdout.split('\n').filter((name) => name !== '' && matches.test(name)))].sort();
  }

  async install(names: readonly string[], options: PackageRunOptions = {}): Promise<void> {
    const checked = checkPackageNames(names);
    const what = `dnf install ${checked.join(' ')}`;
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_PACKAGE_TIMEOUT_MS);
    await this.lock.runExclusive(
      async () => {
        await this.dnf(
          what,
          ['install', '-y', '--setopt=install_weak_deps=False', '--', ...checked],
          options,
          deadline,
        );
        options.onProgress?.(100);
      },
      options.signal,
      what,
    );
  }

  /** rpm has no configuration-only state to purge: `purge` changes nothing here. */
  async remove(names: readonly string[], options: PackageRemoveOptions = {}): Promise<void> {
    const checked = checkPackageNames(names);
    const what = `dnf remove ${checked.join(' ')}`;
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_PACKAGE_TIMEOUT_MS);
    await this.lock.runExclusive(
      async () => {
        // dnf would remove every package that depends on these; rpm's dry run refuses instead.
        try {
          await runAction(this.runner, 'rpm -e --test', 'rpm', ['-e', '--test', '--', ...checked], {
            timeoutMs: QUERY_TIMEOUT_MS,
          });
        } catch (error) {
          if (!/Failed dependencies/.test(stderrOf(error))) throw error;
          throw new DiwanError('DIWAN_E_CONFLICT', (error as Error).message, 'packages', { cause: error });
        }
        // --noautoremove: leave dependencies that are no longer needed, as apt-get remove does.
        await this.dnf(what, ['remove', '-y', '--noautoremove', '--', ...checked], options, deadline);
        options.onProgress?.(100);
      },
      options.signal,
      what,
    );
  }

  private async dnf(
    what: string,
    args: string[],
    options: PackageRunOptions,
    deadline: number,
  ): Promise<void> {
    await runAction(this.runner, what, 'dnf', args, {
      timeoutMs: remainingMs(deadline),
      signal: options.signal,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      onLine: options.onLine,
    });
  }
}

/** `name<TAB>version` lines into a map over the names asked; names without a line stay null. */
function pairs(names: string[], lines: string[]): Map<string, string | null> {
  const versions = new Map<string, string | null>(names.map((name) => [name, null]));
  for (const line of lines) {
    const [name = '', version = ''] = line.split('\t');
    if (versions.has(name) && version !== '') versions.set(name, version);
  }
  return versions;
}
