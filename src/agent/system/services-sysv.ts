import { readdir } from 'node:fs/promises';
import { ExecError, run } from './exec.js';
import { runAction, hostCommandError, type Runner } from './host-command.js';
import { readLogTail } from './log-tail.js';
import { checkUnitName } from './names.js';
import type { ServiceActionOptions, ServiceLogOptions, ServiceManager, ServiceStatus } from './services.js';

/**
 * SysV init scripts through `service` (containers, hosts without systemd as PID 1), and boot links
 * through `update-rc.d`. Neither program accepts `--` before its operands (`service` takes the name
 * as its first word; update-rc.d rejects any unknown option), so `checkUnitName`'s pattern, which
 * allows no leading dash and no whitespace, is the guard. `service` runs the script directly, so
 * policy-rc.d (which blocks invoke-rc.d during apt runs) does not stop it.
 */

const ACTION_TIMEOUT_MS = 120_000;
const STATUS_TIMEOUT_MS = 15_000;
/** The multi-user runlevels; S?? links there start the service at boot. */
const BOOT_RUNLEVELS = ['2', '3', '4', '5'];
/** LSB: the exit status of an init script's `status` action when the service is stopped. */
const LSB_NOT_RUNNING = 3;

export class SysvServices implements ServiceManager {
  readonly init = 'sysv';

  constructor(
    private readonly runner: Runner = run,
    /** Where the rcN.d directories are; a parameter only so tests can read a fixture tree. */
    private readonly etcDir = '/etc',
  ) {}

  start(unit: string, options?: ServiceActionOptions): Promise<void> {
    return this.action(unit, 'start', options);
  }

  stop(unit: string, options?: ServiceActionOptions): Promise<void> {
    return this.action(unit, 'stop', options);
  }

  restart(unit: string, options?: ServiceActionOptions): Promise<void> {
    return this.action(unit, 'restart', options);
  }

  reload(unit: string, options?: ServiceActionOptions): Promise<void> {
    return this.action(unit, 'reload', options);
  }

  async status(unit: string): Promise<ServiceStatus> {
    const name = checkUnitName(unit);
    const said: string[] = [];
    const onLine = (_stream: 'stdout' | 'stderr', line: string) => {
      if (line.trim() !== '') said.push(line.trim());
    };
    try {
      await this.runner('service', [name, 'status'], { timeoutMs: STATUS_TIMEOUT_MS, onLine });
      return { active: true, state: 'running', message: said.join('\n') };
    } catch (error) {
      if (!(error instanceof ExecError) || error.reason !== 'exit') {
        throw hostCommandError(`service ${name} status`, error);
      }
      // Init scripts differ: LSB says 3 is "not running"; 1, 2 (stale pid or lock file), 4
      // (unknown) and `unrecognized service` all mean it does not run, with a message worth keeping.
      const state = error.exitCode === LSB_NOT_RUNNING ? 'stopped' : 'unknown';
      return { active: false, state, message: said.join('\n') };
    }
  }

  async isActive(unit: string): Promise<boolean> {
    return (await this.status(unit)).active;
  }

  async enable(unit: string): Promise<void> {
    const name = checkUnitName(unit);
    // `enable` only flips existing K links to S; a script with no links at all needs `defaults`.
    const action = (await this.hasLinks(name)) ? 'enable' : 'defaults';
    await runAction(this.runner, `update-rc.d ${name} ${action}`, 'update-rc.d', [name, action]);
  }

  async disable(unit: string): Promise<void> {
    const name = checkUnitName(unit);
    // With no links, `defaults-disabled` writes K links: a later package upgrade then finds links and
    // leaves them alone, where its postinst's `update-rc.d NAME defaults` would re-enable the service.
    const action = (await this.hasLinks(name)) ? 'disable' : 'defaults-disabled';
    await runAction(this.runner, `update-rc.d ${name} ${action}`, 'update-rc.d', [name, action]);
  }

  /** Reads the S??NAME links in /etc/rc2.d … rc5.d; starts no process. */
  async enabledAtBoot(units: readonly string[]): Promise<Map<string, boolean>> {
    const names = units.map(checkUnitName);
    const started = new Set<string>();
    for (const level of BOOT_RUNLEVELS) {
      for (const entry of await this.rcEntries(level)) {
        const match = /^S\d\d(.+)$/.exec(entry);
        if (match?.[1]) started.add(match[1]);
      }
    }
    return new Map(names.map((name) => [name, started.has(name)]));
  }

  /** Without a journal, the log is whatever files the service writes: their tail, read directly. */
  async logs(unit: string, options: ServiceLogOptions): Promise<string[]> {
    checkUnitName(unit);
    return readLogTail(options.files, options.lines);
  }

  private async action(unit: string, verb: string, options: ServiceActionOptions = {}): Promise<void> {
    const name = checkUnitName(unit);
    await runAction(this.runner, `service ${name} ${verb}`, 'service', [name, verb], {
      timeoutMs: ACTION_TIMEOUT_MS,
      signal: options.signal,
    });
  }

  private async hasLinks(name: string): Promise<boolean> {
    for (const level of ['0', '1', ...BOOT_RUNLEVELS, '6', 'S']) {
      if ((await this.rcEntries(level)).some((entry) => /^[SK]\d\d(.+)$/.exec(entry)?.[1] === name)) {
        return true;
      }
    }
    return false;
  }

  private async rcEntries(level: string): Promise<string[]> {
    try {
      return await readdir(`${this.etcDir}/rc${level}.d`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
