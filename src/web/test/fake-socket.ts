import { expect, vi } from 'vitest';

/** A WebSocket stand-in that records what the page sends and lets the test play the server. */
export class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code: number) {
    this.closedWith = code;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

/**
 * The tab's socket once the page follows a task: opened, its subscription checked, and `update` to
 * play the server's messages on the task's channel (`{ type: 'task', task }` or `{ type: 'log', … }`).
 */
export async function followedTask(taskId: string) {
  await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(1));
  const socket = FakeSocket.all[0]!;
  socket.open();
  expect(socket.sent).toEqual([{ type: 'subscribe', channel: 'task', id: taskId }]);
  return (payload: unknown) =>
    socket.receive({ type: 'update', channel: 'task', id: taskId, update: payload });
}
