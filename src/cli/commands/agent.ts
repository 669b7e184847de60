import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { openPanelDb } from '../../server/db/connection.js';
import { createLogger } from '../../server/logger.js';
import { version } from '../../server/version.js';
import { acceptedConfigOrReport } from '../panel.js';

export function agentCommand(): Command {
  return new Command('agent')
    .description('run the privileged agent on its Unix socket (as root, in production)')
    .option('--group <group>', "the web tier's group (name or number), given the socket: 0660 root:<group>")
    .action(async (options: { group?: string }, command: Command) => {
      const config = acceptedConfigOrReport(command);
      if (!config) return;
      // Loaded here, not at the top: every command shares one entry, and `diwan serve` (the
      // unprivileged web tier) must not hold the agent's code.
      const [{ createAgent }, { startAgentServer }] = await Promise.all([
        import('../../agent/agent.js'),
        import('../../agent/rpc-server.js'),
      ]);
      const logger = createLogger(config);
      const panelDb = openPanelDb(config.database);
      const agent = createAgent(config, { panelDb, logger });
      const server = await startAgentServer({
        socketPath: config.agentSocket,
        dispatch: agent.dispatch,
        logger,
        agentVersion: version,
        ...(options.group ? { gid: groupId(options.group) } : {}),
      });
      process.stdout.write(`Diwan agent ${version} listening on ${config.agentSocket}\n`);
      const stop = () => {
        server.close();
        void Promise.all([agent.close(), panelDb.close()]).then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}

/** A group's number, from its name in /etc/group (read, not a command: the CLI starts no process). */
function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[0] === group);
  const gid = line?.split(':')[2];
  if (!gid) throw new Error(`no group named "${group}" in /etc/group`);
  return Number(gid);
}
