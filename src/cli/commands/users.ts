import { Command, Option } from 'commander';
import { passwordSchema, usernameSchema } from '../../contract/auth.js';
import { createTokenBodySchema } from '../../contract/tokens.js';
import { hashPassword } from '../../server/auth/passwords.js';
import { randomWord } from '../../server/auth/tokens.js';
import type { User } from '../../server/db/schema.js';
import { createApiToken } from '../../server/features/tokens/routes.js';
import type { PanelServices } from '../../server/services.js';
import { CliError, consoleAudit, print, withPanel } from '../panel.js';

/** The user a command names, or the only user when none is named. */
async function pickUser(services: PanelServices, name: string | undefined): Promise<User> {
  if (name) {
    const parsed = usernameSchema.safeParse(name);
    const user = parsed.success ? await services.users.findByUsername(parsed.data) : undefined;
    if (!user) throw new CliError(`no user named "${name}" (diwan user list shows them)`);
    return user;
  }
  const users = await services.users.list();
  if (users.length !== 1)
    throw new CliError('name the user: there is more than one (diwan user list shows them)');
  return users[0]!;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

export function passwdCommand(): Command {
  return new Command('passwd')
    .description("set a new password (generated and printed, or read from stdin) and end the user's sessions")
    .argument('[user]', 'the user (default: the only user)')
    .option('--stdin', 'read the new password from standard input instead of generating one')
    .option('--revoke-tokens', "also revoke the user's API tokens (after a compromise)")
    .action(
      (name: string | undefined, options: { stdin?: boolean; revokeTokens?: boolean }, command: Command) =>
        withPanel(command, async (services) => {
          const user = await pickUser(services, name);
          const password = options.stdin ? await readStdin() : randomWord(20);
          const checked = passwordSchema.safeParse(password);
          if (!checked.success)
            throw new CliError(`password ${checked.error.issues[0]?.message ?? 'is not valid'}`);
          // A generated password is temporary: the user picks their own at the next login.
          await services.users.setPassword(user.id, await hashPassword(password), !options.stdin);
          await services.auth.revokeOtherSessions(user.id, null);
          if (options.revokeTokens) {
            for (const token of await services.tokens.listActive(user.id))
              await services.auth.revokeToken(user.id, token.id);
          }
          await services.auth.forgetUser(user.id);
          await consoleAudit(services, 'auth.password_reset', user.username);
          print(
            options.stdin
              ? `Password of ${user.username} changed.`
              : [`Password of ${user.username} set to:`, password],
          );
        }),
    );
}

export function infoCommand(): Command {
  return new Command('info')
    .description('print the login URL (with the security entrance) and the users; never a password')
    .action((_options, command: Command) =>
      withPanel(command, async (services, config) => {
        const { entrance } = await services.security.current();
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        const users = await services.users.list();
        print([
          `Login URL   http://${host}:${config.port}/${entrance}`,
          `Entrance    ${entrance}`,
          `Users       ${users.map((u) => u.username).join(', ') || '(none yet: start diwan serve once)'}`,
          'Behind the reverse proxy, use its https:// address with the same path.',
        ]);
      }),
    );
}

export function entranceCommand(): Command {
  const entrance = new Command('entrance').description(
    'show or change the security entrance (the secret login path)',
  );
  entrance
    .command('show')
    .description('print the entrance')
    .action((_o, command: Command) =>
      withPanel(command, async (services) => print((await services.security.current()).entrance)),
    );
  entrance
    .command('set')
    .description('set the entrance (8–64 letters, digits, _ and -), or a random one with --random')
    .argument('[value]', 'the new entrance')
    .option('--random', 'generate a random entrance')
    .action((value: string | undefined, options: { random?: boolean }, command: Command) =>
      withPanel(command, async (services) => {
        const next = options.random ? randomWord(12) : value;
        const parsed = entranceSchemaOrError(next);
        await services.security.update({ entrance: parsed });
        await consoleAudit(services, 'settings.entrance', null);
        print([`Entrance set; a running panel uses it within 30 seconds.`, parsed]);
      }),
    );
  return entrance;
}

function entranceSchemaOrError(value: string | undefined): string {
  if (!value) throw new CliError('give the new entrance, or --random');
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(value))
    throw new CliError('entrance must be 8–64 characters: letters, digits, _ and -');
  return value;
}

export function userCommand(): Command {
  const user = new Command('user').description(
    "manage panel users from the console (a locked-out admin's way back in)",
  );
  user
    .command('list')
    .description('list users')
    .action((_o, command: Command) =>
      withPanel(command, async (services) => {
        const rows = await services.users.list();
        print(
          rows.map(
            (u) =>
              `${u.username}\t2fa=${u.totp_enabled ? 'on' : 'off'}\t${u.disabled ? 'disabled' : 'active'}\tcreated ${new Date(u.created_at).toISOString()}`,
          ),
        );
      }),
    );
  user
    .command('add')
    .description('add a user with a generated password (printed once; changed at first login)')
    .argument('<user>', 'username: 3–32 lowercase letters, digits, _ . -, starting with a letter')
    .action((name: string, _o, command: Command) =>
      withPanel(command, async (services) => {
        const parsed = usernameSchema.safeParse(name);
        if (!parsed.success)
          throw new CliError(`username ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
        if (await services.users.findByUsername(parsed.data))
          throw new CliError(`user "${parsed.data}" exists already`);
        const password = randomWord(20);
        await services.users.create({
          username: parsed.data,
          passwordHash: await hashPassword(password),
          mustChangePassword: true,
        });
        await consoleAudit(services, 'user.create', parsed.data);
        print([`User ${parsed.data} added. Password (shown once):`, password]);
      }),
    );
  user
    .command('disable-2fa')
    .description('turn off two-factor authentication of a user who lost their device')
    .argument('[user]', 'the user (default: the only user)')
    .action((name: string | undefined, _o, command: Command) =>
      withPanel(command, async (services) => {
        const target = await pickUser(services, name);
        await services.twoFactor.reset(target.id);
        await services.auth.forgetUser(target.id); // running instances forget it at once (with Redis)
        await consoleAudit(services, 'auth.2fa_reset', target.username);
        print(`Two-factor authentication of ${target.username} is off.`);
      }),
    );
  user
    .command('unlock')
    .description('lift a lockout after failed logins, of a user and optionally of an address')
    .argument('[user]', 'the user (default: the only user)')
    .option('--ip <address>', 'also unlock this IP address')
    .action((name: string | undefined, options: { ip?: string }, command: Command) =>
      withPanel(command, async (services) => {
        const target = await pickUser(services, name);
        await services.limiter.reset(`user:${target.username}`);
        if (options.ip) await services.limiter.reset(`ip:${options.ip}`);
        await consoleAudit(services, 'auth.unlock', target.username);
        print(`Unlocked ${target.username}${options.ip ? ` and ${options.ip}` : ''}.`);
      }),
    );
  return user;
}

export function tokenCommand(): Command {
  const token = new Command('token').description('API tokens');
  token
    .command('create')
    .description('create an API token; the token alone is printed on the last line')
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(new Option('--scope <scope>', 'read or admin').choices(['read', 'admin']).default('read'))
    .option('--user <user>', 'the owner (default: the only user)')
    .action((options: { name: string; scope: string; user?: string }, command: Command) =>
      withPanel(command, async (services) => {
        const owner = await pickUser(services, options.user);
        const input = createTokenBodySchema.safeParse({ name: options.name, scope: options.scope });
        if (!input.success)
          throw new CliError(`${input.error.issues[0]?.path.join('.')}: ${input.error.issues[0]?.message}`);
        const created = await createApiToken(services.tokens, owner.id, input.data, services.now());
        await consoleAudit(services, 'token.create', created.id);
        print([
          `Token "${created.name}" (${created.scope}) for ${owner.username}; shown once:`,
          created.token,
        ]);
      }),
    );
  token
    .command('list')
    .description("list a user's active API tokens (never the tokens themselves)")
    .option('--user <user>', 'the owner (default: the only user)')
    .action((options: { user?: string }, command: Command) =>
      withPanel(command, async (services) => {
        const owner = await pickUser(services, options.user);
        const rows = await services.tokens.listActive(owner.id);
        print(
          rows.length === 0
            ? `${owner.username} has no active tokens.`
            : rows.map(
                (t) => `${t.id}\t${t.scope}\t${t.name}\tcreated ${new Date(t.created_at).toISOString()}`,
              ),
        );
      }),
    );
  token
    .command('revoke')
    .description('revoke an API token by id (see diwan token list)')
    .argument('<id>', 'the token id')
    .option('--user <user>', 'the owner (default: the only user)')
    .action((id: string, options: { user?: string }, command: Command) =>
      withPanel(command, async (services) => {
        const owner = await pickUser(services, options.user);
        if (!(await services.auth.revokeToken(owner.id, id)))
          throw new CliError(`${owner.username} has no active token ${id}`);
        await consoleAudit(services, 'token.revoke', id);
        print(`Token ${id} revoked.`);
      }),
    );
  return token;
}
