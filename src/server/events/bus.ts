import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import { taskUpdateSchema, type TaskUpdate } from '../../contract/tasks.js';

/** What one web instance tells the others: cached credentials to forget, and tasks' progress. */
export type PanelEvent =
  | { type: 'credentials.revoked'; ids: string[] }
  | { type: 'user.changed'; userId: string }
  | { type: 'task.update'; update: TaskUpdate };

export interface EventBus {
  publish(event: PanelEvent): Promise<void>;
  subscribe(listener: (event: PanelEvent) => void): void;
  close(): Promise<void>;
}

/** One instance alone: events reach only its own listeners. */
export function createLocalBus(): EventBus {
  const listeners: ((event: PanelEvent) => void)[] = [];
  return {
    async publish(event) {
      for (const listener of listeners) listener(event);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {},
  };
}

const CHANNEL = 'diwan:events';

/**
 * Several instances sharing Redis: an event published by one reaches every instance, the publisher
 * included (through Redis, so there is one path). A message that does not parse is ignored: the
 * channel is Diwan's, but Redis is shared infrastructure.
 */
export function createRedisBus(url: string, onError: (error: Error) => void): EventBus {
  const options = { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true };
  // Loaded only when Redis is configured: most single-server installs never need it.
  const { Redis } = createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClient };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  const listeners: ((event: PanelEvent) => void)[] = [];
  publisher.on('error', onError);
  subscriber.on('error', onError);
  const subscribed = subscriber.subscribe(CHANNEL);
  subscriber.on('message', (_channel: string, message: string) => {
    const event = parseEvent(message);
    if (event) for (const listener of listeners) listener(event);
  });
  return {
    async publish(event) {
      await subscribed;
      await publisher.publish(CHANNEL, JSON.stringify(event));
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

function parseEvent(message: string): PanelEvent | null {
  try {
    const value = JSON.parse(message) as Partial<PanelEvent>;
    if (
      value.type === 'credentials.revoked' &&
      Array.isArray(value.ids) &&
      value.ids.every((id) => typeof id === 'string')
    ) {
      return { type: value.type, ids: value.ids };
    }
    if (value.type === 'user.changed' && typeof value.userId === 'string')
      return { type: value.type, userId: value.userId };
    if (value.type === 'task.update') {
      const update = taskUpdateSchema.safeParse(value.update);
      if (update.success) return { type: value.type, update: update.data };
    }
  } catch {
    // not ours
  }
  return null;
}
