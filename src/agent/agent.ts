import type { Config } from '../server/config/types.js';
import type { PanelDb } from '../server/db/connection.js';
import type { Logger } from '../server/logger.js';
import { createPanelServices } from '../server/services.js';
import { createAuthorizer } from './authorizer.js';
import { createDispatcher } from './dispatch.js';
import * as system from './ops/system/handlers.js';
import type { SoftwareName } from '../contract/software.js';
import { createSoftwareOps } from './ops/software/handlers.js';
import { createPackageManager } from './system/packages.js';
import { createServiceManager } from './system/services.js';
import { createHostSampler } from './system/host-sampler.js';
import { createNginx, createPhpFpm } from './system/web-servers.js';
import { createWebsitesOps } from './ops/websites/handlers.js';

/**
 * The agent's composition root: its operations, and the authorizer that checks every caller against
 * the panel database (verify-only: no cache, no writes but the audit of refusals).
 */
export function createAgent(config: Config, deps: { panelDb: PanelDb; logger: Logger }) {
  const services = createPanelServices(config, { panelDb: deps.panelDb, verifyOnly: true }, deps.logger);
  const software = createSoftwareOps({
    services: createServiceManager(),
    packages: packageManagerOrNone(),
    protectedNames: panelDependencies(config),
  });
  // Tests build many agents and ask for versions only where they mean to.
  if (config.env !== 'test') software.warm();
  const sampler = createHostSampler();
  const serviceManager = createServiceManager();
  const websites = createWebsitesOps({
    layout: config.websites,
    nginx: createNginx(config.websites, serviceManager),
    phpFpm: createPhpFpm(config.websites, serviceManager),
  });
  const dispatch = createDispatcher({
    handlers: {
      'system.ping': system.ping,
      'system.info': system.info,
      'system.sample': () => sampler.sample(),
      'software.status': software.status,
      'software.install': software.install,
      'software.uninstall': software.uninstall,
      'software.service': software.service,
      'software.logs': software.logs,
      'websites.apply': websites.apply,
      'websites.remove': websites.remove,
      'websites.files': websites.files,
    },
    authorizer: createAuthorizer(services.auth),
    onRefused: (op, error) => {
      deps.logger.warn({ event: 'agent.refused', op, code: error.code }, 'agent refused a call');
      void services.audit
        .record({
          actorType: 'anonymous',
          action: `agent.${op}`,
          outcome: 'denied',
          details: { code: error.code },
        })
        .catch((auditError: unknown) =>
          deps.logger.error({ err: auditError }, 'cannot audit a refused agent call'),
        );
    },
  });
  return {
    dispatch,
    async close() {
      await services.events.close();
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;

/** A host without apt or dnf still gets an agent: the Software center then says so. */
function packageManagerOrNone() {
  try {
    return createPackageManager();
  } catch {
    return null;
  }
}

/** What the panel itself runs on; stopping or removing it from the panel would cut the branch it sits on. */
function panelDependencies(config: Config): Set<SoftwareName> {
  const names = new Set<SoftwareName>();
  if (config.database.dialect === 'mysql') names.add('mariadb');
  if (config.database.dialect === 'postgres') names.add('postgresql');
  if (config.redisUrl) names.add('redis');
  return names;
}
