import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { agentOps, type AgentEvent } from '../../contract/agent-ops.js';
import {
  redirectCodes,
  siteRoot,
  siteSpecSchema,
  siteTypes,
  type SiteRecord,
} from '../../contract/websites.js';
import type { Config } from '../../server/config/types.js';
import { hashSitePasswords } from '../../server/features/websites/passwords.js';
import { createWebsiteStore, type WebsiteStore } from '../../server/features/websites/store.js';
import { CliError, consoleAudit, print, withPanel } from '../panel.js';

/**
 * `diwan site`: the websites module from the console, for an administrator on the server (root, as
 * `diwan agent` runs). The same contract checks the input and the same operations change the host
 * as through the API; output of nginx and PHP-FPM is printed as it comes.
 */
async function hostOps(config: Config) {
  // The agent's code, loaded only by the commands that change the host (see agent.ts).
  const { createHostWebsitesOps } = await import('../../agent/ops/websites/handlers.js');
  const ops = createHostWebsitesOps(config.websites);
  const context = {
    actor: 'console',
    signal: new AbortController().signal,
    emit: (event: AgentEvent) => {
      if (event.kind === 'log') print(event.stream === 'step' ? `▸ ${event.line}` : `  ${event.line}`);
    },
  };
  return {
    apply: (site: SiteRecord) =>
      ops.apply(agentOps['websites.apply'].input.parse({ site }), context) as Promise<{
        note: string | null;
      }>,
    remove: (site: SiteRecord, keepFiles: boolean) =>
      ops.remove(agentOps['websites.remove'].input.parse({ site, keepFiles }), context) as Promise<{
        removedFiles: boolean;
      }>,
  };
}

async function findSite(store: WebsiteStore, which: string) {
  if (/^[0-9a-f-]{36}$/.test(which)) {
    const found = await store.get(which);
    if (found) return found;
  }
  const { websites } = await store.list({
    search: which,
    sort: 'domain',
    order: 'asc',
    limit: 1000,
    offset: 0,
  });
  const exact = websites.filter((site) => site.domains.includes(which.toLowerCase()));
  if (exact.length !== 1) throw new CliError(`no site has the domain or id "${which}" (diwan site list)`);
  return (await store.get(exact[0]!.id))!;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function siteCommand(): Command {
  const site = new Command('site').description('websites on nginx');

  site
    .command('list')
    .description('list the sites: id, type, state, domains, root or target')
    .option('--search <text>', 'only sites with a domain containing this')
    .action((options: { search?: string }, command: Command) =>
      withPanel(command, async (services, _config, panelDb) => {
        const store = createWebsiteStore(panelDb.db, services.now);
        const { websites, total } = await store.list({
          search: options.search,
          sort: 'domain',
          order: 'asc',
          limit: 1000,
          offset: 0,
        });
        if (total === 0) return print('No sites yet (diwan site create).');
        print(
          websites.map((w) =>
            [
              w.id,
              w.type,
              w.enabled ? 'enabled' : 'disabled',
              w.domains.join(','),
              w.root ?? w.upstream ?? w.redirect?.to ?? '',
            ].join('\t'),
          ),
        );
      }),
    );

  site
    .command('create')
    .description('create a site; it is live when this returns')
    .addOption(new Option('--type <type>', 'the kind of site').choices([...siteTypes]).makeOptionMandatory())
    .requiredOption('--domain <name>', 'a domain; repeat for aliases (the first is the primary)', collect, [])
    .option('--root <path>', 'folder under the web root (static, php; default: the first domain)')
    .option('--php <version>', 'PHP version (php), e.g. 8.2')
    .option('--upstream <url>', 'where to pass requests (proxy)')
    .option('--to <url>', 'where to send visitors (redirect)')
    .addOption(
      new Option('--code <code>', 'redirect status').choices(redirectCodes.map(String)).default('301'),
    )
    .option('--no-keep-path', 'redirect everyone to the same URL instead of keeping the path and query')
    .action(
      (
        options: {
          type: string;
          domain: string[];
          root?: string;
          php?: string;
          upstream?: string;
          to?: string;
          code: string;
          keepPath: boolean;
        },
        command: Command,
      ) =>
        withPanel(command, async (services, config, panelDb) => {
          const body = {
            type: options.type,
            domains: options.domain,
            ...(options.root !== undefined ? { root: options.root } : {}),
            ...(options.type === 'php' ? { phpVersion: options.php } : {}),
            ...(options.type === 'proxy' ? { upstream: options.upstream } : {}),
            ...(options.type === 'redirect'
              ? { redirect: { to: options.to, code: Number(options.code), keepPath: options.keepPath } }
              : {}),
          };
          const parsed = siteSpecSchema.safeParse(body);
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            throw new CliError(`${issue.path.join('.') || 'site'}: ${issue.message}`);
          }
          const spec = hashSitePasswords(parsed.data);
          const store = createWebsiteStore(panelDb.db, services.now);
          const id = randomUUID();
          await store.insert(id, spec, siteRoot(config.websites.webRoot, spec), null);
          try {
            const { note } = await (await hostOps(config)).apply({ id, spec, enabled: true });
            await consoleAudit(services, 'website.create', spec.domains[0]!);
            print([`Site ${id} (${spec.type}) serves ${spec.domains.join(', ')}.`, ...(note ? [note] : [])]);
          } catch (error) {
            await store.remove(id);
            throw error;
          }
        }),
    );

  site
    .command('delete')
    .description('delete a site from nginx and PHP-FPM; its files stay unless --delete-files')
    .argument('<site>', 'its id or one of its domains')
    .option('--delete-files', "also delete the site's folder")
    .requiredOption('--yes', 'confirm')
    .action((which: string, options: { deleteFiles?: boolean }, command: Command) =>
      withPanel(command, async (services, config, panelDb) => {
        const store = createWebsiteStore(panelDb.db, services.now);
        const found = await findSite(store, which);
        const { removedFiles } = await (
          await hostOps(config)
        ).remove(
          { id: found.website.id, spec: found.spec, enabled: found.website.enabled },
          !options.deleteFiles,
        );
        await store.remove(found.website.id);
        await consoleAudit(services, 'website.delete', found.spec.domains[0]!);
        print(
          `Site ${found.website.id} deleted${removedFiles ? ', with its files' : '; its files are kept'}.`,
        );
      }),
    );

  return site;
}
