import { DiwanError } from '../../contract/errors.js';
import { argvSafe } from './exec.js';

/**
 * Allow-lists for the names the host adapters pass to init systems and package managers. They are
 * checked here, in the agent, whatever the web tier checked before: a name reaches a command line.
 */

/** systemd unit or init.d script: lowercase, no path separator, no leading dash, no whitespace. */
const unitPattern = /^[a-z0-9][a-z0-9@._-]{0,63}$/;
/** Debian policy's package name (lowercase, digits, + - .), which also covers RPM names we manage. */
const packagePattern = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
const MAX_PACKAGES = 200;

export function checkUnitName(unit: unknown): string {
  if (typeof unit !== 'string' || !unitPattern.test(unit) || unit.includes('..')) {
    throw new DiwanError(
      'DIWAN_E_VALIDATION',
      `unit: ${shown(unit)} is not a service name (lowercase letters, digits and @._-, at most 64)`,
      'unit',
    );
  }
  return argvSafe(unit);
}

/** Checks every name, refuses an empty or oversized list, and drops duplicates (order kept). */
export function checkPackageNames(names: unknown): string[] {
  if (!Array.isArray(names) || names.length === 0 || names.length > MAX_PACKAGES) {
    throw new DiwanError(
      'DIWAN_E_VALIDATION',
      `packages: give between 1 and ${MAX_PACKAGES} package names`,
      'packages',
    );
  }
  for (const name of names) {
    if (typeof name !== 'string' || !packagePattern.test(name)) {
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        `packages: ${shown(name)} is not a package name (lowercase letters, digits and +.-)`,
        'packages',
      );
    }
    argvSafe(name);
  }
  return [...new Set(names as string[])];
}

/** A refused value, quoted and cut short: it may be long or hold control characters. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
