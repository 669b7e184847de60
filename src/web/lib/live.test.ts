import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../test/fake-socket.js';
import { live } from './live.js';

const SUBSCRIBE = { type: 'subscribe', channel: 'dashboard' } as const;
const UNSUBSCRIBE = { type: 'unsubscribe', channel: 'dashboard' } as const;

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  FakeSocket.all = [];
});

describe('the live socket', () => {
  it('opens one socket for the tab, subscribes once per channel, and closes with the last listener', () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const first = vi.fn();
    const second = vi.fn();
    const stopFirst = live.listen('dashboard', SUBSCRIBE, UNSUBSCRIBE, first);
    const stopSecond = live.listen('dashboard', SUBSCRIBE, UNSUBSCRIBE, second);
    expect(FakeSocket.all).toHaveLength(1);
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toMatch(/^ws:\/\/.+\/api\/v1\/live$/);
    socket.open();
    expect(socket.sent).toEqual([SUBSCRIBE]);

    const update = { type: 'update', channel: 'dashboard', samples: [] };
    socket.receive(update);
    socket.receive({ type: 'update', channel: 'task', id: 'other', update: {} });
    expect(first.mock.calls).toEqual([[update]]);
    expect(second.mock.calls).toEqual([[update]]);

    stopFirst();
    expect(socket.sent).toEqual([SUBSCRIBE]);
    stopSecond();
    expect(socket.sent).toEqual([SUBSCRIBE, UNSUBSCRIBE]);
    expect(socket.closedWith).toBe(1000);
  });

  it('reconnects after a drop and subscribes again; a 4401 close ends the session instead', () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    const ended = vi.fn();
    live.onSessionEnded = ended;
    const stop = live.listen('dashboard', SUBSCRIBE, UNSUBSCRIBE, () => undefined);
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.onclose?.({ code: 1006 });
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.open();
    expect(FakeSocket.all[1]!.sent).toEqual([SUBSCRIBE]);

    FakeSocket.all[1]!.onclose?.({ code: 4401 });
    vi.advanceTimersByTime(60_000);
    expect(ended).toHaveBeenCalledOnce();
    expect(FakeSocket.all).toHaveLength(2);
    stop();
  });
});
