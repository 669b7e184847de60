import { Command } from 'commander';
import { describeConfig, formatIssues, loadConfig } from '../../server/config/index.js';
import { loadOptions } from '../options.js';

export function configCommand(): Command {
  const config = new Command('config').description('inspect the configuration');
  config
    .command('check')
    .description('print the resolved configuration (secrets redacted) and every problem; exit 1 if any')
    .action((_options, command: Command) => {
      // Reads only: a check must not create the data dir or the database.
      const result = loadConfig(loadOptions(command));
      const lines = [`environment: ${result.environment.env ?? '(invalid)'} (${result.environment.reason})`];
      lines.push(`config file: ${result.config?.sources.file ?? '(none)'}`);
      if (result.config) {
        for (const [key, value] of Object.entries(describeConfig(result.config)))
          lines.push(`${key}=${value}`);
      }
      for (const warning of result.warnings) lines.push(`warning: ${warning.variable} ${warning.message}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      if (result.issues.length > 0 || result.config === null) {
        process.stderr.write(`${formatIssues(result.issues)}\n`);
        process.exitCode = 1;
      } else {
        process.stdout.write('The configuration is valid.\n');
      }
    });
  return config;
}
