import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DiwanError } from '../../contract/errors.js';
import { AptOutput } from './apt-status.js';
import { ExecError, run } from './exec.js';
import { hostCommandError, runAction, stderrOf, type Runner } from './host-command.js';
import type { Mutex } from './mutex.js';
import { checkPackageNames } from './names.js';
import { DEFAULT_PACKAGE_TIMEOUT_MS, packageOperations, remainingMs } from './package-runs.js';
import type { PackageManager, PackageRemoveOptions, PackageRunOptions } from './packages.js';

/** Debian and Ubuntu: dpkg-query and apt-cache to look, apt-get to change. */

const APT_ENV = {
  DEBIAN_FRONTEND: 'noninteractive',
  APT_LISTCHANGES_FRONTEND: 'none',
  // Ubuntu's needrestart would otherwise restart services itself; the agent decides restarts.
  NEEDRESTART_MODE: 'l',
};
const APT_OPTIONS = [
  '-y',
  // Another apt or dpkg run (unattended-upgrades, an admin's shell) holds the lock: wait for it.
  '-o',
  'DPkg::Lock::Timeout=300',
  // Keep an admin's edited config files on upgrade, never ask.
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
];
const STATUS_TO_STDOUT = ['-o', 'APT::Status-Fd=1'];
const QUERY_TIMEOUT_MS = 60_000;
/** dpkg and its maintainer scripts can be chatty; killing dpkg halfway for its output is worse. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const LISTS_MAX_AGE_MS = 24 * 60 * 60_000;
/** apt's words when its package lists are older than the archive; an `apt-get update` fixes it. */
const STALE_LISTS = /Unable to locate package|has no installation candidate|maybe run apt-get update/;
/** Second letter of dpkg's db:Status-Abbrev: installed, or installed with triggers pending. */
const INSTALLED_STATES = new Set(['i', 'W', 't']);
const policyHeader = /^([a-z0-9][a-z0-9+.-]*):$/;
const policyCandidate = /^\s+Candidate:\s*(\S+)\s*$/;

export class AptPackages implements PackageManager {
  readonly kind = 'apt';

  constructor(
    private readonly runner: Runner = run,
    private readonly lock: Mutex = packageOperations,
    private readonly listsDir = '/var/lib/apt/lists',
  ) {}

  async installedVersions(names: readonly string[]): Promise<Map<string, string | null>> {
    const checked = checkPackageNames(names);
    const versions = new Map<string, string | null>(checked.map((name) => [name, null]));
    const lines: string[] = [];
    try {
      await this.runner(
        'dpkg-query',
        ['-W', '-f', '${Package}\t${db:Status-Abbrev}\t${Version}\n', '--', ...checked],
        { timeoutMs: QUERY_TIMEOUT_MS, onLine: (stream, line) => stream === 'stdout' && lines.push(line) },
      );
    } catch (error) {
      // Exit 1: some names are unknown to dpkg ("no packages found matching"); the others printed.
      if (!(error instanceof ExecError && error.reason === 'exit' && error.exitCode === 1)) {
        throw hostCommandError('dpkg-query', error);
      }
    }
    for (const line of lines) {
      const [name = '', status = '', version = ''] = line.split('\t');
      // A name may print twice (one line per architecture): any installed one answers.
      if (versions.has(name) && INSTALLED_STATES.has(status[1] ?? '') && version !== '') {
        versions.set(name, version);
      }
    }
    return versions;
  }

  /** From the package lists as they are (no refresh: a query should not take minutes). */
  async available(names: readonly string[]): Promise<Map<string, string | null>> {
    const checked = checkPackageNames(names);
    const { stdout } = await runAction(
      this.runner,
      'apt-cache policy',
      'apt-cache',
      ['policy', '--', ...checked],
      {
        timeoutMs: QUERY_TIMEOUT_MS,
      },
    );
    const candidates = new Map<string, string | null>(checked.map((name) => [name, null]));
    let current: string | null = null;
    for (const line of stdout.split('\n')) {
      const header = policyHeader.exec(line);
      if (header) {
        current = header[1] ?? null;
        continue;
      }
      const candidate = policyCandidate.exec(line)?.[1];
      if (current !== null && candidates.has(current) && candidate !== undefined) {
        candidates.set(current, candidate === '(none)' ? null : candidate);
      }
    }
    return candidates;
  }

  async findNames(pattern: RegExp): Promise<string[]> {
    const { stdout } = await runAction(this.runner, 'apt-cache pkgnames', 'apt-cache', ['pkgnames'], {
      timeoutMs: QUERY_TIMEOUT_MS,
    });
    const matches = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')); // no lastIndex state
    return [...new Set(stdout.split('\n').filter((name) => name !== '' && matches.test(name)))].sort();
  }

  async install(names: readonly string[], options: PackageRunOptions = {}): Promise<void> {
    const checked = checkPackageNames(names);
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_PACKAGE_TIMEOUT_MS);
    const what = `apt-get install ${checked.join(' ')}`;
    await this.lock.runExclusive(
      async () => {
        let updated = false;
        if (!(await this.listsAreFresh())) {
          await this.update(options, deadline);
          updated = true;
        }
        const output = new AptOutput(options);
        const install = ['install', '--no-install-recommends', '--', ...checked];
        try {
          await this.aptGet(what, install, options, deadline, output);
        } catch (error) {
          // Lists older than the archive: a package added since, or a version the mirror dropped.
          if (updated || !STALE_LISTS.test(stderrOf(error))) throw error;
          await this.update(options, deadline);
          await this.aptGet(what, install, options, deadline, output);
        }
        output.done();
      },
      options.signal,
      what,
    );
  }

  async remove(names: readonly string[], options: PackageRemoveOptions = {}): Promise<void> {
    const checked = checkPackageNames(names);
    const verb = options.purge ? 'purge' : 'remove';
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_PACKAGE_TIMEOUT_MS);
    const what = `apt-get ${verb} ${checked.join(' ')}`;
    await this.lock.runExclusive(
      async () => {
        const others = (await this.plannedRemovals(verb, checked)).filter((name) => !checked.includes(name));
        if (others.length > 0) {
          throw new DiwanError(
            'DIWAN_E_CONFLICT',
            `Removing ${checked.join(', ')} would also remove ${others.join(', ')} (they depend on it); name them too to remove them`,
            'packages',
          );
        }
        const output = new AptOutput(options);
        await this.aptGet(what, [verb, '--', ...checked], options, deadline, output);
        output.done();
      },
      options.signal,
      what,
    );
  }

  /**
   * Whether `apt-get update` is due. It re-verifies every Release file on each run, even when
   * nothing changed, and that resets the file's ctime (its mtime is the server's): the newest
   * ctime is when the lists were last refreshed.
   */
  async listsAreFresh(now = Date.now()): Promise<boolean> {
    let entries: string[];
    try {
      entries = await readdir(this.listsDir);
    } catch {
      return false;
    }
    let newest = 0;
    for (const entry of entries.filter((name) => /_(In)?Release$/.test(name))) {
      const changed = await stat(join(this.listsDir, entry)).then(
        (stats) => stats.ctimeMs,
        () => 0,
      );
      newest = Math.max(newest, changed);
    }
    return now - newest < LISTS_MAX_AGE_MS;
  }

  /** The packages apt would take away, found by simulating (`-s`), which changes nothing. */
  private async plannedRemovals(verb: 'remove' | 'purge', names: string[]): Promise<string[]> {
    const { stdout } = await runAction(
      this.runner,
      `apt-get ${verb}`,
      'apt-get',
      ['-s', verb, '--', ...names],
      {
        env: APT_ENV,
        timeoutMs: QUERY_TIMEOUT_MS,
      },
    );
    return stdout
      .split('\n')
      .map((line) => /^(?:Remv|Purg) ([^\s:]+)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
  }

  private async update(options: PackageRunOptions, deadline: number): Promise<void> {
    await runAction(this.runner, 'apt-get update', 'apt-get', [...APT_OPTIONS, 'update'], {
      env: APT_ENV,
      timeoutMs: remainingMs(deadline),
      signal: options.signal,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      onLine: options.onLine,
    });
  }

  private async aptGet(
    what: string,
    args: string[],
    options: PackageRunOptions,
    deadline: number,
    output: AptOutput,
  ): Promise<void> {
    await runAction(this.runner, what, 'apt-get', [...APT_OPTIONS, ...STATUS_TO_STDOUT, ...args], {
      env: APT_ENV,
      timeoutMs: remainingMs(deadline),
      signal: options.signal,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      onLine: output.onLine,
    });
  }
}
