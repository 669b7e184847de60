import { DiwanError } from '../../contract/errors.js';

/**
 * One holder at a time, in arrival order, within this process. A waiter whose signal aborts leaves
 * the queue at once; those behind it still wait for the holder ahead of it.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async runExclusive<T>(work: () => Promise<T>, signal?: AbortSignal, what = 'the operation'): Promise<T> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const ahead = this.tail;
    // Chained on `ahead`, so the next waiter waits for everyone before us even if we leave early.
    this.tail = ahead.then(() => mine);
    try {
      await untilAborted(ahead, signal, what);
      return await work();
    } finally {
      release();
    }
  }
}

function untilAborted(ahead: Promise<void>, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (!signal) return ahead;
  const cancelled = () => new DiwanError('DIWAN_E_HOST_COMMAND', `${what} was cancelled before it started`);
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void ahead.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
