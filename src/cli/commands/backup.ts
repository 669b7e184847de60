import { Command, InvalidArgumentError } from 'commander';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CliError, consoleAudit, print, withPanel } from '../panel.js';

function keepCount(value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('a whole number from 1');
  return Number(value);
}

/** `diwan backup create|list|restore`: the panel's own data (not sites or databases). */
export function backupCommand(): Command {
  const backup = new Command('backup').description("back up and restore the panel's own data");
  backup
    .command('create')
    .description('write a backup of the panel database (0600) and print its path; sessions are left out')
    .option('--output <file>', 'where to write it (default: <data dir>/backups/panel-<time>.jsonl.gz)')
    .option('--keep <n>', 'then keep only the newest n backups in the default folder', keepCount)
    .action((options: { output?: string; keep?: number }, command: Command) =>
      withPanel(command, async (services, config, panelDb) => {
        const { backupPanel, defaultBackupFile, ensureBackupDir, pruneBackups } =
          await import('../../server/db/backup.js');
        const file = options.output ? resolve(options.output) : defaultBackupFile(config.dataDir);
        await ensureBackupDir(dirname(file));
        const result = await backupPanel(panelDb, file);
        await consoleAudit(services, 'panel.backup', file);
        const rows = Object.values(result.counts).reduce((sum, count) => sum + count, 0);
        const lines = [`${result.file}`, `${rows} rows, ${result.bytes} bytes`];
        if (options.keep !== undefined) {
          const removed = await pruneBackups(dirname(defaultBackupFile(config.dataDir)), options.keep);
          for (const name of removed) lines.push(`removed ${name}`);
        }
        print(lines);
      }),
    );
  backup
    .command('list')
    .description('list the backups in the default folder, newest last')
    .action((_o, command: Command) =>
      withPanel(command, async (_services, config) => {
        const dir = join(config.dataDir, 'backups');
        const names = (await readdir(dir).catch(() => [] as string[]))
          .filter((name) => name.endsWith('.jsonl.gz'))
          .sort();
        if (names.length === 0) return print(`No backups in ${dir}.`);
        const lines: string[] = [];
        for (const name of names)
          lines.push(`${join(dir, name)}  ${(await stat(join(dir, name))).size} bytes`);
        print(lines);
      }),
    );
  backup
    .command('restore')
    .description("replace the panel's data with a backup's (every session ends); stop the web tier first")
    .argument('<file>', 'a backup written by diwan backup create')
    .option('--yes', 'confirm: the current panel data is replaced')
    .action((file: string, options: { yes?: boolean }, command: Command) =>
      withPanel(command, async (services, _config, panelDb) => {
        if (!options.yes)
          throw new CliError(
            'restoring replaces every user, token, setting, site and database record of this panel: run again with --yes',
          );
        const { restorePanel, BackupError } = await import('../../server/db/backup.js');
        try {
          const result = await restorePanel(panelDb, resolve(file));
          await consoleAudit(services, 'panel.restore', resolve(file));
          const rows = Object.values(result.counts).reduce((sum, count) => sum + count, 0);
          print([
            `Restored ${rows} rows from a backup of ${new Date(result.header.createdAt).toISOString()} (Diwan ${result.header.diwanVersion}, ${result.header.dialect}).`,
            'Every session has ended: sign in again.',
          ]);
        } catch (error) {
          if (error instanceof BackupError) throw new CliError(`${error.message}; nothing was changed`);
          throw error;
        }
      }),
    );
  return backup;
}
