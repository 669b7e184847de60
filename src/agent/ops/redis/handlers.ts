import { createRequire } from 'node:module';
import type * as ioredisModule from 'ioredis';
import type { AgentInput } from '../../../contract/agent-ops.js';
import type { redisStatusSchema } from '../../../contract/databases.js';
import { DiwanError } from '../../../contract/errors.js';
import type { z } from 'zod';
import type { Handler } from '../../dispatch.js';
import { readForUpdate, restore, writeAtomic } from '../../system/atomic-write.js';
import { Mutex } from '../../system/mutex.js';
import { parseRedisConfig, withRequirePass, type RedisConfig } from './config.js';

const require = createRequire(import.meta.url);

/** The Redis the agent manages: its config file and how to restart it (its init unit, in production). */
export interface RedisTarget {
  configPath: string;
  restart(): Promise<void>;
}

export interface RedisOpsDeps {
  target: RedisTarget;
  /** The panel itself uses this Redis: a new password would cut it off, so it is refused. */
  usedByPanel: boolean;
}

type RedisStatus = z.infer<typeof redisStatusSchema>;
const READY_WAIT_MS = 15_000;

/** One short-lived connection; no retries, so a stopped server answers "not running" at once. */
async function withClient<T>(
  config: RedisConfig,
  password: string | null,
  work: (client: ioredisModule.Redis) => Promise<T>,
) {
  const { Redis } = require('ioredis') as typeof ioredisModule;
  const client = new Redis({
    host: config.host,
    port: config.port,
    ...(password ? { password } : {}),
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    // The ready check's INFO would fail before our command could say why (NOAUTH).
    enableReadyCheck: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/**
 * Redis: what it says about itself (INFO) and its password. A new password is written atomically into
 * its config file, the server restarted and asked with the new password; if that fails, the old file
 * is put back and the server restarted again.
 */
export function createRedisOps(deps: RedisOpsDeps) {
  const lock = new Mutex();

  async function status(): Promise<RedisStatus> {
    const { content } = await readForUpdate(deps.target.configPath);
    if (content === null)
      throw new DiwanError(
        'DIWAN_E_NOT_FOUND',
        `${deps.target.configPath} does not exist: is Redis installed?`,
      );
    const config = parseRedisConfig(content.toString('utf8'));
    const base: RedisStatus = {
      running: false,
      version: null,
      usedMemoryBytes: null,
      clients: null,
      keys: [],
      persistence: { rdbSaves: config.saves, appendOnly: config.appendOnly, lastSaveAt: null },
      passwordSet: config.password !== null,
      configPath: deps.target.configPath,
    };
    const info = await withClient(config, config.password, async (client) =>
      parseInfo(await client.info()),
    ).catch(() => null);
    if (!info) return base;
    const number = (key: string) => (info.has(key) ? Number(info.get(key)) : null);
    return {
      ...base,
      running: true,
      version: info.get('redis_version') ?? null,
      usedMemoryBytes: number('used_memory'),
      clients: number('connected_clients'),
      keys: [...info]
        .filter(([key]) => /^db\d+$/.test(key))
        .map(([key, value]) => {
          const fields = Object.fromEntries(value.split(',').map((pair) => pair.split('=')));
          return {
            db: Number(key.slice(2)),
            keys: Number(fields.keys ?? 0),
            expires: Number(fields.expires ?? 0),
          };
        }),
      persistence: {
        ...base.persistence,
        appendOnly: info.get('aof_enabled') === '1',
        lastSaveAt: number('rdb_last_save_time') === null ? null : number('rdb_last_save_time')! * 1000,
      },
    };
  }

  /** Until it answers PING with `password`, and refuses a client without it. */
  async function answersWith(config: RedisConfig, password: string): Promise<boolean> {
    const deadline = Date.now() + READY_WAIT_MS;
    while (Date.now() < deadline) {
      const pong = await withClient(config, password, (client) => client.ping()).catch(() => null);
      if (pong === 'PONG') {
        const open = await withClient(config, null, (client) => client.ping()).catch(
          (error: unknown) => (error as Error).message,
        );
        return /NOAUTH/.test(open);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  }

  const setPassword: Handler = async (raw) => {
    const input = raw as AgentInput<'redis.setPassword'>;
    if (deps.usedByPanel)
      throw new DiwanError(
        'DIWAN_E_CONFLICT',
        'Diwan itself uses this Redis: its password cannot be changed from here',
      );
    await lock.runExclusive(async () => {
      const path = deps.target.configPath;
      const { content, version } = await readForUpdate(path);
      if (content === null)
        throw new DiwanError('DIWAN_E_NOT_FOUND', `${path} does not exist: is Redis installed?`);
      const next = withRequirePass(content.toString('utf8'), input.password);
      const { previous } = await writeAtomic(path, next, { expectedVersion: version });
      const config = parseRedisConfig(next);
      try {
        await deps.target.restart();
        if (!(await answersWith(config, input.password)))
          throw new DiwanError('DIWAN_E_HOST_COMMAND', 'Redis did not come back with the new password');
      } catch (error) {
        await restore(path, previous);
        await deps.target.restart().catch(() => undefined);
        throw error instanceof DiwanError
          ? new DiwanError(error.code, `${error.message}; the old configuration was put back`)
          : error;
      }
    });
    return status();
  };

  return { status: (async () => status()) satisfies Handler, setPassword };
}
