import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DiwanError } from '../../contract/errors.js';
import { Mutex } from './mutex.js';

describe('Mutex', () => {
  it('runs one holder at a time, in arrival order, and goes on after a failure', async () => {
    const mutex = new Mutex();
    const events: string[] = [];
    const job = (name: string, fail = false) =>
      mutex.runExclusive(async () => {
        events.push(`start ${name}`);
        await sleep(20);
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job('a'), job('b', true), job('c')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('lets an aborted waiter leave the queue without letting the next one jump ahead', async () => {
    const mutex = new Mutex();
    const events: string[] = [];
    const controller = new AbortController();
    const first = mutex.runExclusive(async () => {
      events.push('start first');
      await sleep(60);
      events.push('end first');
    });
    const cancelled = mutex.runExclusive(
      async () => events.push('cancelled ran'),
      controller.signal,
      'apt-get install x',
    );
    const third = mutex.runExclusive(async () => events.push('third'));
    controller.abort();
    const error = await cancelled.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiwanError);
    expect((error as DiwanError).message).toBe('apt-get install x was cancelled before it started');
    await Promise.all([first, third]);
    expect(events).toEqual(['start first', 'end first', 'third']);
  });
});
