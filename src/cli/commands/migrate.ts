import { Command } from 'commander';
import { migrateDown, migrateToLatest, migrationStatus } from '../../server/db/migrate.js';
import { print, withPanelDb } from '../panel.js';

export function migrateCommand(): Command {
  const migrate = new Command('migrate').description('migrate the panel database');
  migrate
    .command('up')
    .description('apply every pending migration')
    .action((_o, command: Command) =>
      withPanelDb(command, async ({ db }) => {
        const applied = await migrateToLatest(db);
        print(
          applied.length === 0
            ? 'Nothing to apply: the panel database is current.'
            : applied.map((n) => `applied ${n}`),
        );
      }),
    );
  migrate
    .command('down')
    .description('roll back the most recent migration')
    .action((_o, command: Command) =>
      withPanelDb(command, async ({ db }) => {
        const reverted = await migrateDown(db);
        print(reverted === null ? 'Nothing to roll back.' : `rolled back ${reverted}`);
      }),
    );
  migrate
    .command('status')
    .description('list migrations, applied and pending')
    .action((_o, command: Command) =>
      withPanelDb(command, async ({ db }) => {
        const status = await migrationStatus(db);
        print(
          status.map(
            (m) =>
              `${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  (${m.executedAt.toISOString()})` : ''}`,
          ),
        );
      }),
    );
  return migrate;
}
