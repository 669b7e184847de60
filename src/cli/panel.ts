import type { Command } from 'commander';
import { pino } from 'pino';
import type { Config } from '../server/config/types.js';
import { openPanelDb, type PanelDb } from '../server/db/connection.js';
import { pendingMigrations } from '../server/db/migrate.js';
import { createPanelServices, type PanelServices } from '../server/services.js';
import { ConfigRejected, acceptConfig } from '../server/start.js';
import { loadOptions } from './options.js';

/** A failure to report on one line and exit 1 (no stack trace: it is the user's to fix). */
export class CliError extends Error {}

/** The accepted configuration, or null after printing every problem and setting exit code 1. */
export function acceptedConfigOrReport(command: Command): Config | null {
  try {
    return acceptConfig(loadOptions(command)).config;
  } catch (error) {
    if (!(error instanceof ConfigRejected)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return null;
  }
}

/** Runs `work` with the panel database open; reports any failure on stderr and sets exit code 1. */
export async function withPanelDb(
  command: Command,
  work: (panelDb: PanelDb, config: Config) => Promise<void>,
): Promise<void> {
  const config = acceptedConfigOrReport(command);
  if (!config) return;
  const panelDb = openPanelDb(config.database);
  try {
    await work(panelDb, config);
  } catch (error) {
    process.stderr.write(`diwan: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await panelDb.close();
  }
}

/** Runs `work` with the panel's services, as the web tier builds them, over a migrated database. */
export async function withPanel(
  command: Command,
  work: (services: PanelServices, config: Config, panelDb: PanelDb) => Promise<void>,
): Promise<void> {
  await withPanelDb(command, async (panelDb, config) => {
    const pending = await pendingMigrations(panelDb.db);
    if (pending.length > 0)
      throw new CliError(`the panel database has ${pending.length} pending migrations: run diwan migrate up`);
    const services = createPanelServices(config, { panelDb }, pino({ level: 'silent' }));
    try {
      await work(services, config, panelDb);
    } finally {
      await services.events.close();
    }
  });
}

/** Audit entries of console commands: the actor is whoever can run `diwan` as the panel's user. */
export function consoleAudit(services: PanelServices, action: string, target: string | null): Promise<void> {
  return services.audit.record({
    actorType: 'system',
    actorName: 'console',
    action,
    target,
    outcome: 'success',
  });
}

export function print(lines: string | string[]): void {
  process.stdout.write(`${([] as string[]).concat(lines).join('\n')}\n`);
}
