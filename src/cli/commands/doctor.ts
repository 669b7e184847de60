import { Command } from 'commander';
import { loadConfig } from '../../server/config/load.js';
import { detectHost } from '../../server/host/detect.js';
import { probeServices } from '../../server/host/services.js';
import { version } from '../../server/version.js';
import { loadOptions } from '../options.js';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'show what Diwan detects about this host and which managed software is installed and running',
    )
    .option('--json', 'print JSON instead of text')
    .action((options: { json?: boolean }, command: Command) => {
      const host = detectHost();
      const services = probeServices();
      const { environment } = loadConfig(loadOptions(command));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ version, environment, host, services }, null, 2)}\n`);
        return;
      }
      const yesNo = (value: boolean | null) => (value === null ? '-' : value ? 'yes' : 'no');
      const rows = services.map((s) => [s.label, yesNo(s.installed), yesNo(s.running), s.detail ?? '']);
      const lines = [
        `Diwan ${version}, environment ${environment.env ?? '(invalid DIWAN_ENV)'} (${environment.reason})`,
        `host        ${host.hostname}`,
        `os          ${host.os.prettyName}`,
        `kernel      ${host.kernel} (${host.arch})`,
        `init        ${host.initSystem}`,
        `packages    ${host.packageManager ?? 'none found'}`,
        `container   ${host.container ?? 'no'}`,
        '',
        ...table([['software', 'installed', 'running', 'detail'], ...rows]),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}
