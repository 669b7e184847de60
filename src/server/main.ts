import type { Config } from './config/types.js';
import { ConfigRejected, acceptConfig, startServer } from './start.js';

export interface ServeOptions {
  configFile?: string;
  /**
   * Changes the accepted configuration before the server starts. Only the browser suite uses it, to
   * point the websites module at a private nginx (test/e2e/serve.ts); `diwan serve` never does.
   */
  adjust?: (config: Config) => Config;
}

/**
 * `diwan serve`: start the web tier and stay up until SIGTERM or SIGINT, then shut down gracefully.
 * Exit codes: 0 after a clean shutdown, 1 when the configuration is rejected or start-up fails.
 */
export async function serve(options: ServeOptions = {}): Promise<void> {
  let accepted;
  try {
    accepted = acceptConfig(options);
  } catch (error) {
    if (!(error instanceof ConfigRejected)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const { warnings } = accepted;
  const config = options.adjust ? options.adjust(accepted.config) : accepted.config;
  const server = await startServer(config);
  for (const warning of warnings) server.logger.warn(warning);
  server.logger.info(
    { env: config.env, url: server.url, database: config.database.dialect },
    'Diwan is listening',
  );
  process.stdout.write(`\nDiwan (${config.env}) is running at ${server.url}\n`);
  if (server.firstLogin && server.loginUrl) {
    process.stdout.write(
      [
        '',
        'First start: an administrator was created. Shown once (also in the data dir, first-login.txt):',
        `  Log in at   ${server.loginUrl}`,
        `  Username    ${server.firstLogin.username}`,
        `  Password    ${server.firstLogin.password}`,
        'You will be asked to change the password. `diwan info` shows the login URL again.',
        '',
      ].join('\n'),
    );
  } else if (server.loginUrl && config.env !== 'production') {
    process.stdout.write(`Log in at ${server.loginUrl}  (\`diwan passwd\` sets a new password)\n`);
  } else if (!server.loginUrl) {
    process.stdout.write('The panel database is not migrated: run `diwan migrate up`.\n');
  }
  process.stdout.write('\n');

  const shutdown = (signal: NodeJS.Signals) => {
    server.logger.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
