import type { Command } from 'commander';
import type { LoadOptions } from '../server/config/load.js';
import { detectHost } from '../server/host/detect.js';

/** What every command passes to the config factory: the global `--config` and the container, if any. */
export function loadOptions(command: Command): LoadOptions {
  const { config } = command.optsWithGlobals<{ config?: string }>();
  return { container: detectHost().container, ...(config ? { configFile: config } : {}) };
}
