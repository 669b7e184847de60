import { z } from 'zod';
import { taskUpdateSchema } from './tasks.js';

/**
 * The one WebSocket a browser tab opens (`GET /api/v1/live`): typed channels multiplexed on it.
 * Channels now: `task` (a task's state and its log, from the first line). Later: dashboard
 * figures, terminals.
 */
export const liveClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), channel: z.literal('task'), id: z.uuid() }),
  z.object({ type: z.literal('unsubscribe'), channel: z.literal('task'), id: z.uuid() }),
]);
export type LiveClientMessage = z.infer<typeof liveClientMessageSchema>;

export const liveServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('update'),
    channel: z.literal('task'),
    id: z.string(),
    update: taskUpdateSchema,
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
