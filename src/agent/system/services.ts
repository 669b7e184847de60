import { isDirectory } from '../../server/host/detect.js';
import { SystemdServices } from './services-systemd.js';
import { SysvServices } from './services-sysv.js';

/**
 * Starting, stopping and enabling services, the same way whatever the init system. Callers hold a
 * ServiceManager and never ask which one it is; the backend is chosen once, at start-up.
 * Unit names are checked by `checkUnitName` (names.ts) before anything runs.
 */

export type InitKind = 'systemd' | 'sysv';

export interface ServiceActionOptions {
  signal?: AbortSignal;
}

export interface ServiceStatus {
  active: boolean;
  /** `running` / `stopped`, or `unknown` when the status command answered something else. */
  state: 'running' | 'stopped' | 'unknown';
  /** What the status command said, e.g. `nginx is not running ... failed!` or `inactive`. */
  message: string;
}

export interface ServiceLogOptions {
  lines: number;
  /** Log files to read when the init system keeps no journal (sysv); absolute, normalized paths. */
  files: readonly string[];
}

export interface ServiceManager {
  readonly init: InitKind;
  start(unit: string, options?: ServiceActionOptions): Promise<void>;
  stop(unit: string, options?: ServiceActionOptions): Promise<void>;
  restart(unit: string, options?: ServiceActionOptions): Promise<void>;
  reload(unit: string, options?: ServiceActionOptions): Promise<void>;
  /** The status command's answer, message included (init scripts differ in what they print). */
  status(unit: string): Promise<ServiceStatus>;
  /** true when the service's status command says it runs. */
  isActive(unit: string): Promise<boolean>;
  /** Start at boot. */
  enable(unit: string): Promise<void>;
  disable(unit: string): Promise<void>;
  /** Enabled at boot, for many units at once and cheaply (one process, or none). */
  enabledAtBoot(units: readonly string[]): Promise<Map<string, boolean>>;
  /** The last `lines` lines of the service's log, newest last. */
  logs(unit: string, options: ServiceLogOptions): Promise<string[]>;
}

/** systemd when it is PID 1: /run/systemd/system is what sd_booted(3) checks. */
export function detectInit(): InitKind {
  return isDirectory('/run/systemd/system') ? 'systemd' : 'sysv';
}

export function createServiceManager(init: InitKind = detectInit()): ServiceManager {
  return init === 'systemd' ? new SystemdServices() : new SysvServices();
}
