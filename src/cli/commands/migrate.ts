import { Command } from 'commander';
import { openPanelDb, type PanelDb } from '../../server/db/connection.js';
import { migrateDown, migrateToLatest, migrationStatus } from '../../server/db/migrate.js';
import { ConfigRejected, acceptConfig } from '../../server/start.js';
import { loadOptions } from '../options.js';

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

async function withPanelDb(command: Command, work: (panelDb: PanelDb) => Promise<void>): Promise<void> {
  let config;
  try {
    config = acceptConfig(loadOptions(command)).config;
  } catch (error) {
    if (!(error instanceof ConfigRejected)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const panelDb = openPanelDb(config.database);
  try {
    await work(panelDb);
  } catch (error) {
    process.stderr.write(`migration failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await panelDb.close();
  }
}

function print(lines: string | string[]): void {
  process.stdout.write(`${([] as string[]).concat(lines).join('\n')}\n`);
}
