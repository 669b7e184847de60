import { describe, expect, it } from 'vitest';
import { DiwanError } from '../../contract/errors.js';
import { ExecError, run } from './exec.js';
import { recordingRunner } from './recording-runner.js';
import { SystemdServices } from './services-systemd.js';

// systemd is not PID 1 on the machines these tests were written on, so the backend's commands are
// checked by recording them. `systemctl is-enabled` reads unit files and needs no running systemd:
// that one also runs for real.

describe('SystemdServices', () => {
  it('runs systemctl with -- before the unit for every action', async () => {
    const runner = recordingRunner();
    const systemd = new SystemdServices(runner);
    const controller = new AbortController();
    await systemd.start('nginx', { signal: controller.signal });
    await systemd.stop('php8.2-fpm');
    await systemd.restart('redis-server');
    await systemd.reload('nginx.service');
    await systemd.enable('cron');
    await systemd.disable('getty@tty1');
    expect(runner.calls.map((call) => [call.file, ...call.args])).toEqual([
      ['systemctl', 'start', '--', 'nginx'],
      ['systemctl', 'stop', '--', 'php8.2-fpm'],
      ['systemctl', 'restart', '--', 'redis-server'],
      ['systemctl', 'reload', '--', 'nginx.service'],
      ['systemctl', 'enable', '--', 'cron'],
      ['systemctl', 'disable', '--', 'getty@tty1'],
    ]);
    expect(runner.calls[0]?.options.signal).toBe(controller.signal);
  });

  it('turns a failed action into DIWAN_E_HOST_COMMAND with systemctl’s words', async () => {
    const runner = recordingRunner(() => ({
      stderr: 'Job for nginx.service failed because the control process exited with error code.\n',
      code: 1,
    }));
    const error = await new SystemdServices(runner).start('nginx').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiwanError);
    expect(error).toMatchObject({ code: 'DIWAN_E_HOST_COMMAND' });
    expect((error as DiwanError).message).toBe(
      'systemctl start nginx failed (exit code 1): Job for nginx.service failed because the control process exited with error code.',
    );
    expect((error as DiwanError).cause).toBeInstanceOf(ExecError);
  });

  it('reads is-active: active, stopped, or something else kept as the message', async () => {
    const answers: Record<string, { stdout: string; code: number }> = {
      nginx: { stdout: 'active\n', code: 0 },
      cron: { stdout: 'inactive\n', code: 3 },
      redis: { stdout: 'failed\n', code: 3 },
      mariadb: { stdout: 'activating\n', code: 3 },
    };
    const runner = recordingRunner((_file, args) => answers[args.at(-1)!]!);
    const systemd = new SystemdServices(runner);
    expect(await systemd.status('nginx')).toEqual({ active: true, state: 'running', message: 'active' });
    expect(await systemd.status('cron')).toEqual({ active: false, state: 'stopped', message: 'inactive' });
    expect(await systemd.status('redis')).toEqual({ active: false, state: 'stopped', message: 'failed' });
    expect(await systemd.status('mariadb')).toEqual({
      active: false,
      state: 'unknown',
      message: 'activating',
    });
    expect(await systemd.isActive('nginx')).toBe(true);
    expect(runner.calls[0]?.args).toEqual(['is-active', '--', 'nginx']);
  });

  it('asks is-enabled once for all units, and again past a unit systemd cannot find', async () => {
    // systemd 252 answers in order and stops at the first unit it has no file for.
    const states: Record<string, string> = { a: 'enabled', b: 'disabled', d: 'static', e: 'generated' };
    const runner = recordingRunner((_file, args) => {
      const units = args.slice(2);
      const answered: string[] = [];
      for (const unit of units) {
        const state = states[unit];
        if (state === undefined) {
          return {
            stdout: answered.join(''),
            stderr: `Failed to get unit file state for ${unit}.service\n`,
            code: 1,
          };
        }
        answered.push(`${state}\n`);
      }
      return { stdout: answered.join(''), code: units.every((unit) => states[unit] === 'enabled') ? 0 : 1 };
    });
    const answer = await new SystemdServices(runner).enabledAtBoot(['a', 'b', 'c', 'd', 'e', 'a']);
    expect(Object.fromEntries(answer)).toEqual({ a: true, b: false, c: false, d: false, e: true });
    expect(runner.calls.map((call) => call.args)).toEqual([
      ['is-enabled', '--', 'a', 'b', 'c', 'd', 'e'],
      ['is-enabled', '--', 'd', 'e'],
    ]);
  });

  it('reads is-enabled from the real systemctl, unknown units included', async () => {
    const units = ['cron', 'diwan-no-such-service', 'nginx', 'redis-server'];
    const answer = await new SystemdServices().enabledAtBoot(units);
    // Unit by unit with systemctl itself, to compare.
    for (const unit of units) {
      const state = await run('systemctl', ['is-enabled', '--', unit]).then(
        (result) => result.stdout.trim(),
        (error: ExecError) => error.stderr,
      );
      expect(answer.get(unit), `${unit}: ${state}`).toBe(
        ['enabled', 'enabled-runtime', 'generated'].includes(state),
      );
    }
    expect(answer.get('diwan-no-such-service')).toBe(false);
  });

  it('reads the journal with journalctl, without its remarks', async () => {
    const runner = recordingRunner(() => ({
      stdout:
        '-- Journal begins at Mon 2026-01-05 10:00:00 UTC. --\n' +
        '2026-01-05T10:00:01+0000 host nginx[12]: started\n' +
        '-- Boot 3f2a --\n' +
        '2026-01-05T10:00:02+0000 host nginx[12]: reloaded\n',
    }));
    const lines = await new SystemdServices(runner).logs('nginx', { lines: 50, files: ['/ignored.log'] });
    expect(lines).toEqual([
      '2026-01-05T10:00:01+0000 host nginx[12]: started',
      '2026-01-05T10:00:02+0000 host nginx[12]: reloaded',
    ]);
    expect(runner.calls[0]?.args).toEqual(['-u', 'nginx', '-n', '50', '--no-pager', '-o', 'short-iso']);

    const empty = recordingRunner(() => ({ stdout: '-- No entries --\n' }));
    expect(await new SystemdServices(empty).logs('nginx', { lines: 5, files: [] })).toEqual([]);
  });
});
