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
import { createHostWebsitesOps } from './ops/websites/handlers.js';
import { createDatabaseOps } from './ops/databases/handlers.js';
import { createRedisOps } from './ops/redis/handlers.js';
import { createMariaDbServer, defaultMariaDbOptions, type MariaDbOptions } from './ops/databases/mariadb.js';
import {
  createPostgresServer,
  defaultPostgresOptions,
  type PostgresOptions,
} from './ops/databases/postgresql.js';

/** Where the agent finds what it manages; tests point some of it at instances of their own. */
export interface AgentOptions {
  mariadb?: MariaDbOptions;
  postgres?: PostgresOptions;
  /** The Redis whose password the panel manages: its config file, and its init unit or a restart. */
  redis?: { configPath?: string; unit?: string; restart?: () => Promise<void> };
  /** An extra CA the agent trusts for the ACME server (the tests' pebble), added to Node's own. */
  acmeCaCertificates?: string;
}

/**
 * The agent's composition root: its operations, and the authorizer that checks every caller against
 * the panel database (verify-only: no cache, no writes but the audit of refusals).
 */
export function createAgent(
  config: Config,
  deps: { panelDb: PanelDb; logger: Logger },
  options: AgentOptions = {},
) {
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
  const websites = createHostWebsitesOps(config.websites, serviceManager, {
    ...config.acme,
    ...(options.acmeCaCertificates ? { caCertificates: options.acmeCaCertificates } : {}),
  });
  websites
    .recover()
    .then((files) => {
      if (files.length > 0)
        deps.logger.warn(
          { event: 'website.recovered', files },
          'an unfinished website change was rolled back',
        );
    })
    .catch((error: unknown) =>
      deps.logger.error({ err: error }, 'cannot roll back an unfinished website change'),
    );
  const mariadbOptions = options.mariadb ?? defaultMariaDbOptions;
  const postgresOptions = options.postgres ?? defaultPostgresOptions;
  const postgres = createPostgresServer(postgresOptions);
  const databases = createDatabaseOps({
    servers: { mariadb: createMariaDbServer(mariadbOptions), postgresql: postgres },
    hba: { file: postgres.hbaFile, errors: postgres.hbaErrors, reload: postgres.reload },
    dumps: {
      dataDir: config.dataDir,
      mariadb: mariadbOptions,
      postgres: postgresOptions,
      postgresImport: {
        port: async () => (await postgres.connection()).port,
        createRole: postgres.createHelperRole,
        dropRole: postgres.dropHelperRole,
      },
    },
  });
  const redisUnit = options.redis?.unit ?? 'redis-server';
  const redis = createRedisOps({
    target: {
      configPath: options.redis?.configPath ?? '/etc/redis/redis.conf',
      restart: options.redis?.restart ?? (() => serviceManager.restart(redisUnit)),
    },
    usedByPanel: panelDependencies(config).has('redis'),
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
      'websites.setCertificate': websites.setCertificate,
      'websites.issueCertificate': websites.issueCertificate,
      'websites.renewCertificate': websites.renewCertificate,
      'websites.remove': websites.remove,
      'websites.files': websites.files,
      'websites.drift': websites.drift,
      'websites.logs': websites.logs,
      'websites.logFollow': websites.logFollow,
      'databases.list': databases.list,
      'databases.create': databases.create,
      'databases.alter': databases.alter,
      'databases.drop': databases.drop,
      'databases.createUser': databases.createUser,
      'databases.dropUser': databases.dropUser,
      'databases.setPassword': databases.setPassword,
      'databases.setHosts': databases.setHosts,
      'databases.grant': databases.grant,
      'databases.revoke': databases.revoke,
      'databases.remoteAccess': databases.remoteAccess,
      'databases.export': databases.export,
      'databases.import': databases.import,
      'redis.status': redis.status,
      'redis.setPassword': redis.setPassword,
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
      await databases.close();
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
