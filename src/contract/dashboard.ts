import { z } from 'zod';

/**
 * The dashboard's live figures: one sample of the host every 2 s, taken by the agent from /proc.
 * Rates and CPU shares cover the time since the sample before. Sizes in bytes.
 */
const processSchema = z.object({
  pid: z.number().int(),
  name: z.string(),
  user: z.string(),
  /** Share of one core over the last interval, in percent (a busy two-thread process shows 200). */
  cpu: z.number(),
  /** Resident memory. */
  memory: z.number(),
});

export const dashboardSampleSchema = z
  .object({
    /** When it was taken, ms since the epoch. */
    at: z.number(),
    cpu: z.object({
      /** Share of all cores busy, 0–100. */
      total: z.number(),
      cores: z.array(z.number()),
    }),
    load: z.tuple([z.number(), z.number(), z.number()]),
    memory: z.object({
      total: z.number(),
      used: z.number(),
      available: z.number(),
      swapTotal: z.number(),
      swapUsed: z.number(),
    }),
    disks: z.array(z.object({ mount: z.string(), fs: z.string(), total: z.number(), used: z.number() })),
    diskIo: z.object({ readBytesPerSec: z.number(), writeBytesPerSec: z.number() }),
    network: z.object({ rxBytesPerSec: z.number(), txBytesPerSec: z.number() }),
    processes: z.object({
      count: z.number().int(),
      topCpu: z.array(processSchema),
      topMemory: z.array(processSchema),
    }),
  })
  .meta({ id: 'DashboardSample' });
export type DashboardSample = z.infer<typeof dashboardSampleSchema>;

/** The live socket sends a sample every 2 s, and keeps 5 minutes of them for a new watcher. */
export const DASHBOARD_INTERVAL_MS = 2_000;
export const DASHBOARD_HISTORY_MS = 5 * 60_000;
/** How many processes each top list holds. */
export const DASHBOARD_TOP_PROCESSES = 8;
