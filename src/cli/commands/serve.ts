import { Command } from 'commander';
import { serve } from '../../server/main.js';
import { loadOptions } from '../options.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the web tier (development: migrates the panel database and prints the URL)')
    .action(async (_options, command: Command) => serve(loadOptions(command)));
}
