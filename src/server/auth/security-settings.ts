import type { createSettingsStore } from '../db/settings-store.js';
import type { SessionPolicy } from './service.js';
import { randomWord } from './tokens.js';

type SettingsStore = ReturnType<typeof createSettingsStore>;

const KEYS = {
  entrance: 'security.entrance',
  idleMinutes: 'security.session_idle_minutes',
  lifetimeHours: 'security.session_lifetime_hours',
} as const;

export const sessionDefaults = { idleMinutes: 120, lifetimeHours: 24 * 7 };
const RELOAD_MS = 30_000;

export interface SecuritySettings {
  entrance: string;
  idleMinutes: number;
  lifetimeHours: number;
}

/**
 * The security settings, read from the settings table on first use and then kept in memory for 30 s
 * at a time (every authenticated request consults them); `update` writes the table first. Reading lazily lets the app
 * start, and /readyz say why, while the database is down or not yet migrated.
 */
export function createSecuritySettings(store: SettingsStore, now: () => number = Date.now) {
  let loading: Promise<SecuritySettings> | null = null;
  let loadedAt = 0;

  async function load(): Promise<SecuritySettings> {
    const all = await store.getAll();
    const number = (key: string, fallback: number) => {
      const value = Number(all.get(key));
      return Number.isInteger(value) && value > 0 ? value : fallback;
    };
    let entrance = all.get(KEYS.entrance);
    if (!entrance) {
      entrance = newEntrance();
      await store.set(KEYS.entrance, entrance);
    }
    return {
      entrance,
      idleMinutes: number(KEYS.idleMinutes, sessionDefaults.idleMinutes),
      lifetimeHours: number(KEYS.lifetimeHours, sessionDefaults.lifetimeHours),
    };
  }

  async function current(): Promise<SecuritySettings> {
    // Re-read now and then, so that a change made elsewhere (the console, another instance) applies.
    if (loading && now() - loadedAt > RELOAD_MS) loading = null;
    if (!loading) loadedAt = now();
    loading ??= load().catch((error: unknown) => {
      loading = null; // try again on the next request
      throw error;
    });
    return loading;
  }

  return {
    current,
    async sessionPolicy(): Promise<SessionPolicy> {
      const settings = await current();
      return { idleMs: settings.idleMinutes * 60_000, lifetimeMs: settings.lifetimeHours * 3_600_000 };
    },
    async update(change: Partial<SecuritySettings>): Promise<SecuritySettings> {
      const settings = await current();
      if (change.entrance !== undefined) await store.set(KEYS.entrance, change.entrance);
      if (change.idleMinutes !== undefined) await store.set(KEYS.idleMinutes, String(change.idleMinutes));
      if (change.lifetimeHours !== undefined)
        await store.set(KEYS.lifetimeHours, String(change.lifetimeHours));
      Object.assign(settings, change);
      return { ...settings };
    },
  };
}

export type SecuritySettingsHandle = ReturnType<typeof createSecuritySettings>;

export function newEntrance(): string {
  return randomWord(12);
}
