import { Argument, Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../server/config/load.js';
import { loadOptions } from '../options.js';

/**
 * `diwan deploy`: the reverse proxy in front of the panel and blue-green upgrades of the web tier,
 * for an administrator on the server (root). See docs/deployment.md.
 */

interface SwitchFlags {
  upstreamFile: string;
  nginx: string;
  nginxConf: string;
  bluePort: string;
  greenPort: string;
  readyTimeout: string;
  drain: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withSwitchOptions(command: Command): Command {
  return command
    .option(
      '--upstream-file <file>',
      'the include file naming the active instance',
      '/etc/nginx/diwan-panel/upstream.conf',
    )
    .option('--nginx <binary>', "nginx's binary", '/usr/sbin/nginx')
    .option('--nginx-conf <file>', "nginx's main configuration", '/etc/nginx/nginx.conf')
    .option('--blue-port <port>', "blue's port (DIWAN_PORT in /etc/diwan/blue.env)", '8686')
    .option('--green-port <port>', "green's port (DIWAN_PORT in /etc/diwan/green.env)", '8687')
    .option('--ready-timeout <seconds>', 'how long the new instance has to answer /readyz', '60')
    .option('--drain <seconds>', 'how long the old instance keeps serving after the switch', '5');
}

function port(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new Error(`${what} must be a port number`);
  return n;
}

function seconds(value: string, what: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`${what} must be a number of seconds`);
  return Math.round(Number(value) * 1000);
}

async function switchOptions(flags: SwitchFlags) {
  const { systemdInstances } = await import('../../agent/deploy/blue-green.js');
  return {
    upstreamFile: flags.upstreamFile,
    nginxBinary: flags.nginx,
    nginxConf: flags.nginxConf,
    ports: { blue: port(flags.bluePort, '--blue-port'), green: port(flags.greenPort, '--green-port') },
    host: '127.0.0.1',
    instances: systemdInstances(),
    readyTimeoutMs: seconds(flags.readyTimeout, '--ready-timeout'),
    drainMs: seconds(flags.drain, '--drain'),
    log: (line: string) => process.stdout.write(`▸ ${line}\n`),
  };
}

async function report(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    process.stderr.write(`diwan deploy: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

export function deployCommand(): Command {
  const deploy = new Command('deploy').description(
    'the reverse proxy in front of the panel, and blue-green upgrades of the web tier (as root)',
  );

  deploy
    .command('nginx')
    .description(
      "prints nginx's configuration for the panel (HTTPS, WebSocket, limits); writes the upstream file if missing",
    )
    .requiredOption('--server-name <name>', "the panel's host name (repeat for more)", collect)
    .requiredOption('--cert <file>', 'the certificate (full chain), PEM')
    .requiredOption('--key <file>', "the certificate's private key, PEM")
    .option('--listen <address>', 'an address to listen on (repeat; default 0.0.0.0 and ::)', collect)
    .option('--http-port <port>', 'plain HTTP (redirects to HTTPS)', '80')
    .option('--https-port <port>', 'HTTPS', '443')
    .option(
      '--upstream-file <file>',
      'the include file naming the active instance',
      '/etc/nginx/diwan-panel/upstream.conf',
    )
    .option('--acme-root <dir>', "certbot's --webroot directory", '/var/www/acme')
    .option('--rate <n>', 'requests a second per address, besides the login', '50')
    .option('--burst <n>', 'requests above the rate let through at once', '100')
    .addOption(
      new Option('--color <color>', 'the color of a new upstream file')
        .choices(['blue', 'green'])
        .default('blue'),
    )
    .option('--port <port>', "the new upstream file's port (the color's DIWAN_PORT)")
    .option('--out <file>', 'write the configuration here instead of printing it')
    .action(async (flags: Record<string, string | string[] | undefined>, command: Command) =>
      report(async () => {
        const { renderPanelProxy, installUpstream, writeProxyConfig, DEFAULT_PORTS } =
          await import('../../agent/deploy/panel-proxy.js');
        // The app's own body limit, from its configuration when there is one.
        const bodyLimit = loadConfig(loadOptions(command)).config?.bodyLimit;
        const color = flags.color as 'blue' | 'green';
        const upstreamFile = flags.upstreamFile as string;
        const text = renderPanelProxy({
          serverNames: flags.serverName as string[],
          certificate: flags.cert as string,
          certificateKey: flags.key as string,
          ...(flags.listen ? { listen: flags.listen as string[] } : {}),
          httpPort: port(flags.httpPort as string, '--http-port'),
          httpsPort: port(flags.httpsPort as string, '--https-port'),
          upstreamFile,
          acmeRoot: flags.acmeRoot as string,
          generalRate: Number(flags.rate),
          generalBurst: Number(flags.burst),
          ...(bodyLimit !== undefined ? { bodyLimit } : {}),
        });
        const upstreamPort = flags.port ? port(flags.port as string, '--port') : DEFAULT_PORTS[color];
        if (await installUpstream(upstreamFile, color, upstreamPort))
          process.stderr.write(`wrote ${upstreamFile}: ${color} on port ${upstreamPort}\n`);
        if (flags.out) await writeProxyConfig(flags.out as string, text);
        else process.stdout.write(text);
      }),
    );

  withSwitchOptions(
    deploy.command('status').description('which color takes the traffic, and whether each answers /readyz'),
  ).action(async (flags: SwitchFlags) =>
    report(async () => {
      const [{ activeColorOf, COLORS }, { waitReady }] = await Promise.all([
        import('../../agent/deploy/panel-proxy.js'),
        import('../../agent/deploy/blue-green.js'),
      ]);
      const active = activeColorOf(readFileSync(flags.upstreamFile, 'utf8'));
      const options = await switchOptions(flags);
      for (const color of COLORS) {
        const ready = await waitReady(`http://127.0.0.1:${options.ports[color]}/readyz`, 1000);
        process.stdout.write(
          `${color.padEnd(6)} port ${options.ports[color]}  ${ready ? 'ready' : 'not ready'}${color === active ? '  ← takes the traffic' : ''}\n`,
        );
      }
    }),
  );

  withSwitchOptions(
    deploy
      .command('switch')
      .description('starts <color>, waits for /readyz, points nginx at it, drains and stops the other')
      .addArgument(new Argument('<color>', 'blue or green').choices(['blue', 'green'])),
  ).action(async (color: 'blue' | 'green', flags: SwitchFlags) =>
    report(async () => {
      const { switchTo } = await import('../../agent/deploy/blue-green.js');
      await switchTo(color, await switchOptions(flags));
    }),
  );

  withSwitchOptions(
    deploy.command('rollback').description('switches back to the other color (the one that served before)'),
  ).action(async (flags: SwitchFlags) =>
    report(async () => {
      const { rollback } = await import('../../agent/deploy/blue-green.js');
      await rollback(await switchOptions(flags));
    }),
  );
  return deploy;
}
