import { Command } from 'commander';
import { version } from '../server/version.js';
import { agentCommand } from './commands/agent.js';
import { backupCommand } from './commands/backup.js';
import { configCommand } from './commands/config.js';
import { doctorCommand } from './commands/doctor.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { entranceCommand, infoCommand, passwdCommand, tokenCommand, userCommand } from './commands/users.js';
import { siteCommand } from './commands/sites.js';
import { deployCommand } from './commands/deploy.js';

export function buildProgram(): Command {
  const program = new Command('diwan')
    .description('Diwan: a web control panel for this server')
    .version(version, '-v, --version')
    .option(
      '-c, --config <file>',
      'config file (KEY=VALUE lines; default /etc/diwan/diwan.env in production)',
    )
    .showHelpAfterError();
  program.addCommand(serveCommand());
  program.addCommand(agentCommand());
  program.addCommand(configCommand());
  program.addCommand(migrateCommand());
  program.addCommand(backupCommand());
  program.addCommand(doctorCommand());
  program.addCommand(infoCommand());
  program.addCommand(passwdCommand());
  program.addCommand(userCommand());
  program.addCommand(tokenCommand());
  program.addCommand(siteCommand());
  program.addCommand(entranceCommand());
  program.addCommand(deployCommand());
  return program;
}

await buildProgram().parseAsync(process.argv);
