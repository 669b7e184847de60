import { z } from 'zod';
import { dashboardSampleSchema } from './dashboard.js';
import { taskUpdateSchema } from './tasks.js';

/**
 * The one WebSocket a browser tab opens (`GET /api/v1/live`): typed channels multiplexed on it.
 * Channels now: `task` (a task's state and its log, from the first line), `dashboard` (the host's
 * figures: the last 5 minutes at once, then a sample every 2 s) and `site-log` (a website's access
 * or error log, followed). Later: terminals.
 */
export const liveClientMessageSchema = z.union([
  z.object({ type: z.enum(['subscribe', 'unsubscribe']), channel: z.literal('task'), id: z.uuid() }).strict(),
  z.object({ type: z.enum(['subscribe', 'unsubscribe']), channel: z.literal('dashboard') }).strict(),
  z
    .object({
      type: z.enum(['subscribe', 'unsubscribe']),
      channel: z.literal('site-log'),
      id: z.uuid(),
      kind: z.enum(['access', 'error']),
    })
    .strict(),
]);
export type LiveClientMessage = z.infer<typeof liveClientMessageSchema>;

export const liveServerMessageSchema = z.union([
  z.object({
    type: z.literal('update'),
    channel: z.literal('task'),
    id: z.string(),
    update: taskUpdateSchema,
  }),
  /** A website's log as it grows: the last 100 lines first, then each new line within a second. */
  z.object({
    type: z.literal('update'),
    channel: z.literal('site-log'),
    id: z.string(),
    kind: z.enum(['access', 'error']),
    lines: z.array(z.string()),
  }),
  /** The first message after subscribing holds the last 5 minutes; later ones one new sample. */
  z.object({
    type: z.literal('update'),
    channel: z.literal('dashboard'),
    samples: z.array(dashboardSampleSchema),
  }),
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    /** The subscription the error is about, when there is one. */
    id: z.string().optional(),
  }),
]);
export type LiveServerMessage = z.infer<typeof liveServerMessageSchema>;

/** Most subscriptions one connection may hold, and the largest message it may send. */
export const LIVE_MAX_SUBSCRIPTIONS = 32;
export const LIVE_MAX_MESSAGE_BYTES = 4096;
