import { Command } from 'commander';
import { loadOptions } from '../options.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the web tier (development: migrates the panel database and prints the URL)')
    .action(async (_options, command: Command) => {
      // The web server is loaded by the command that runs it only, as the agent is by `diwan agent`.
      const { serve } = await import('../../server/main.js');
      await serve(loadOptions(command));
    });
}
