/**
 * What the agent reads from and writes to redis.conf: pure functions over the file's text. Only
 * `requirepass` is ever written; every other line, comments included, is kept as it is.
 */

export interface RedisConfig {
  host: string;
  port: number;
  password: string | null;
  saves: string[];
  appendOnly: boolean;
}

/** Directive lines (not comments), split the way redis splits them, quotes removed. */
function directives(text: string): { name: string; args: string[] }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const parts = line.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
      const [name = '', ...args] = parts.map((part) => part.replace(/^(["'])(.*)\1$/, '$2'));
      return { name: name.toLowerCase(), args };
    });
}

export function parseRedisConfig(text: string): RedisConfig {
  const lines = directives(text);
  const last = (name: string) => lines.filter((line) => line.name === name).at(-1)?.args;
  const bind = (last('bind') ?? ['127.0.0.1']).map((address) => address.replace(/^-/, ''));
  // Connect where it listens: its first IPv4 address, loopback when it listens everywhere.
  const host = bind.find((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address)) ?? '127.0.0.1';
  const saves = lines.filter((line) => line.name === 'save').map((line) => line.args.join(' '));
  return {
    host: host === '0.0.0.0' ? '127.0.0.1' : host,
    port: Number(last('port')?.[0] ?? 6379),
    password: last('requirepass')?.[0] ?? null,
    saves: saves.filter((save) => save !== ''),
    appendOnly: last('appendonly')?.[0]?.toLowerCase() === 'yes',
  };
}

/**
 * The config with `requirepass` set: the first directive replaced in place, any others removed, or a
 * line appended. Passwords are allow-listed (no quotes, backslashes or spaces), so quoting is enough.
 */
export function withRequirePass(text: string, password: string): string {
  if (!/^[A-Za-z0-9!#%*+,.:=?@^_~-]{12,128}$/.test(password)) throw new TypeError('not an allowed password');
  const line = `requirepass "${password}"`;
  let replaced = false;
  const out = text.split('\n').flatMap((current) => {
    if (!/^\s*requirepass(\s|$)/i.test(current)) return [current];
    if (replaced) return [];
    replaced = true;
    return [line];
  });
  if (replaced) return out.join('\n');
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}
