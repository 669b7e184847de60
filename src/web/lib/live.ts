import type { LiveClientMessage, LiveServerMessage } from '../../contract/live.js';

type Listener = (message: LiveServerMessage) => void;

interface Subscription {
  /** Sent on every (re)connection while someone listens. */
  subscribe: LiveClientMessage;
  unsubscribe: LiveClientMessage;
  listeners: Set<Listener>;
}

const RECONNECT_MAX_MS = 30_000;
/** The server closes with 4401 when the session behind the socket has ended. */
const CLOSE_SESSION_ENDED = 4401;

/**
 * The one WebSocket of this tab (`/api/v1/live`), multiplexing typed channels: opened with the first
 * subscription, closed with the last, reconnected with backoff while anyone listens, and every
 * subscription sent again after a reconnection.
 */
class LiveSocket {
  private socket: WebSocket | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  private retryMs = 1000;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Called when the server says the session ended (the app goes back to the login page). */
  onSessionEnded: () => void = () => undefined;

  /** Listens on a channel; the returned function stops listening. */
  listen(key: string, subscribe: LiveClientMessage, unsubscribe: LiveClientMessage, listener: Listener) {
    let subscription = this.subscriptions.get(key);
    if (!subscription) {
      subscription = { subscribe, unsubscribe, listeners: new Set() };
      this.subscriptions.set(key, subscription);
      this.send(subscribe);
    }
    subscription.listeners.add(listener);
    this.connect();
    return () => {
      const current = this.subscriptions.get(key);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size > 0) return;
      this.subscriptions.delete(key);
      this.send(current.unsubscribe);
      if (this.subscriptions.size === 0) this.disconnect();
    };
  }

  private connect(): void {
    if (this.socket || this.retryTimer) return;
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/v1/live`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 1000;
      for (const subscription of this.subscriptions.values()) this.send(subscription.subscribe);
    };
    socket.onmessage = (event) => {
      let message: LiveServerMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveServerMessage;
      } catch {
        return;
      }
      for (const [key, subscription] of this.subscriptions) {
        if (keyOf(message) === key || (message.type === 'error' && !message.id)) {
          for (const listener of subscription.listeners) listener(message);
        }
      }
    };
    socket.onclose = (event) => {
      this.socket = null;
      if (event.code === CLOSE_SESSION_ENDED) {
        this.subscriptions.clear();
        this.onSessionEnded();
        return;
      }
      if (this.subscriptions.size === 0) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.connect();
      }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    };
  }

  private disconnect(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.close(1000);
    this.socket = null;
  }

  private send(message: LiveClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

/** Which subscription a message belongs to: `dashboard`, `task:<id>` or `site-log:<id>:<kind>`. */
export function keyOf(message: LiveServerMessage): string | null {
  if (message.type === 'error') return message.id ? `task:${message.id}` : null;
  if (message.channel === 'task') return `task:${message.id}`;
  if (message.channel === 'site-log') return `site-log:${message.id}:${message.kind}`;
  return message.channel;
}

export const live = new LiveSocket();
