import { pino, type DestinationStream, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type prettyModule from 'pino-pretty';
import type { Config } from './config/types.js';

export type { Logger };

/** Paths whose values never reach a log line: credentials in headers and bodies. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
];

/**
 * JSON lines in production and test (machines read them), pretty lines in development (people read
 * them). Pretty printing runs in-process rather than in a worker thread: one fewer thread on a small VPS.
 */
export function createLogger(
  config: Pick<Config, 'env' | 'logLevel'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'diwan' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (config.env === 'development') {
    // Loaded in development only: pino-pretty costs about 9 MB that production never uses.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof prettyModule;
    return pino(
      options,
      pretty({ colorize: process.stdout.isTTY, ignore: 'pid,hostname,service', sync: true }),
    );
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
