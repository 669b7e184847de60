import { DiwanError } from '../../contract/errors.js';
import { isExecutable } from '../../server/host/detect.js';
import { AptPackages } from './packages-apt.js';
import { DnfPackages } from './packages-dnf.js';

/**
 * Installing and removing distribution packages, the same way on apt and dnf hosts. Package names
 * are checked by `checkPackageNames` (names.ts) before anything runs.
 */

export type PackageManagerKind = 'apt' | 'dnf';

export interface PackageRunOptions {
  /** The package manager's output, line by line, for a task's live log. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** 0–100, never backwards; 100 once the operation succeeded. */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
  /** For the whole operation, a refresh of the package lists included; default 20 minutes. */
  timeoutMs?: number;
}

export interface PackageRemoveOptions extends PackageRunOptions {
  /** Remove the configuration files too (apt only; rpm has no such distinction). */
  purge?: boolean;
}

export interface PackageManager {
  readonly kind: PackageManagerKind;
  /** The installed version of each name, or null when it is not installed. One query for all. */
  installedVersions(names: readonly string[]): Promise<Map<string, string | null>>;
  /** The version the distribution would install for each name, or null when it offers none. */
  available(names: readonly string[]): Promise<Map<string, string | null>>;
  /** Every package name the distribution knows that matches, e.g. /^php\d+\.\d+-fpm$/. */
  findNames(pattern: RegExp): Promise<string[]>;
  install(names: readonly string[], options?: PackageRunOptions): Promise<void>;
  /** Refuses (DIWAN_E_CONFLICT) when other installed packages would have to go too. */
  remove(names: readonly string[], options?: PackageRemoveOptions): Promise<void>;
}

export function detectPackageManager(): PackageManagerKind {
  if (isExecutable('/usr/bin/apt-get')) return 'apt';
  if (isExecutable('/usr/bin/dnf')) return 'dnf';
  throw new DiwanError('DIWAN_E_UNAVAILABLE', 'This host has neither apt-get nor dnf');
}

export function createPackageManager(kind: PackageManagerKind = detectPackageManager()): PackageManager {
  return kind === 'apt' ? new AptPackages() : new DnfPackages();
}
