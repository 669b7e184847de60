import { ExecError, run } from './exec.js';
import { hostCommandError, runAction, type Runner } from './host-command.js';
import { checkLogLines } from './log-tail.js';
import { checkUnitName } from './names.js';
import type { ServiceActionOptions, ServiceLogOptions, ServiceManager, ServiceStatus } from './services.js';

/** systemd as PID 1: systemctl and journalctl, with `--` before every unit name. */

const ACTION_TIMEOUT_MS = 120_000;
const QUERY_TIMEOUT_MS = 15_000;
/**
 * `systemctl is-enabled` states that mean "starts at boot". `generated` is how an init script with
 * S links appears (systemd-sysv-generator); `static` and `indirect` units only start when something
 * else pulls them in, so they do not count.
 */
const BOOT_STATES = new Set(['enabled', 'enabled-runtime', 'generated']);

export class SystemdServices implements ServiceManager {
  readonly init = 'systemd';

  constructor(private readonly runner: Runner = run) {}

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
    try {
      await this.runner('systemctl', ['is-active', '--', name], {
        timeoutMs: QUERY_TIMEOUT_MS,
        onLine: (stream, line) => stream === 'stdout' && said.push(line.trim()),
      });
      return { active: true, state: 'running', message: said.join('\n') };
    } catch (error) {
      if (!(error instanceof ExecError) || error.reason !== 'exit') {
        throw hostCommandError(`systemctl is-active ${name}`, error);
      }
      // Non-zero for every state but active; the state itself is on stdout.
      const answer = said.join('\n');
      const state = answer === 'inactive' || answer === 'failed' ? 'stopped' : 'unknown';
      return { active: false, state, message: answer || error.stderr.trim() };
    }
  }

  async isActive(unit: string): Promise<boolean> {
    return (await this.status(unit)).active;
  }

  async enable(unit: string): Promise<void> {
    const name = checkUnitName(unit);
    await runAction(this.runner, `systemctl enable ${name}`, 'systemctl', ['enable', '--', name]);
  }

  async disable(unit: string): Promise<void> {
    const name = checkUnitName(unit);
    await runAction(this.runner, `systemctl disable ${name}`, 'systemctl', ['disable', '--', name]);
  }

  /** One `systemctl is-enabled a b c` for all units, and one more after each unit systemd cannot find. */
  async enabledAtBoot(units: readonly string[]): Promise<Map<string, boolean>> {
    const names = units.map(checkUnitName);
    const result = new Map(names.map((name) => [name, false]));
    let pending = [...new Set(names)];
    while (pending.length > 0) {
      const states: string[] = [];
      try {
        await this.runner('systemctl', ['is-enabled', '--', ...pending], {
          timeoutMs: QUERY_TIMEOUT_MS,
          onLine: (stream, line) => stream === 'stdout' && states.push(line.trim()),
        });
      } catch (error) {
        // Exits non-zero when any unit is not enabled; the answers are on stdout all the same.
        if (!(error instanceof ExecError) || error.reason !== 'exit') {
          throw hostCommandError('systemctl is-enabled', error);
        }
      }
      states.forEach((state, index) => {
        const name = pending[index];
        if (name !== undefined) result.set(name, BOOT_STATES.has(state));
      });
      // systemd 252 stops at the first unit it cannot find ("Failed to get unit file state"): that
      // one is not enabled, and the units after it still need an answer.
      pending = states.length < pending.length ? pending.slice(states.length + 1) : [];
    }
    return result;
  }

  /** The journal's last lines for the unit; `files` are not read, the journal has what the unit logs. */
  async logs(unit: string, options: ServiceLogOptions): Promise<string[]> {
    const name = checkUnitName(unit);
    const lines = checkLogLines(options.lines);
    const { stdout } = await runAction(
      this.runner,
      `journalctl -u ${name}`,
      'journalctl',
      ['-u', name, '-n', String(lines), '--no-pager', '-o', 'short-iso'],
      { timeoutMs: QUERY_TIMEOUT_MS },
    );
    // "-- No entries --", "-- Boot 3f… --": journalctl's own remarks, not the unit's log.
    return stdout
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('-- '))
      .slice(-lines);
  }

  private async action(unit: string, verb: string, options: ServiceActionOptions = {}): Promise<void> {
    const name = checkUnitName(unit);
    await runAction(this.runner, `systemctl ${verb} ${name}`, 'systemctl', [verb, '--', name], {
      timeoutMs: ACTION_TIMEOUT_MS,
      signal: options.signal,
    });
  }
}
