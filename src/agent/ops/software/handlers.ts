import { DiwanError } from '../../../contract/errors.js';
import type { ServiceAction, SoftwareName, SoftwareStatus } from '../../../contract/software.js';
import type { AgentInput } from '../../../contract/agent-ops.js';
import { probeServices, type ServiceProbe } from '../../../server/host/services.js';
import type { Handler, OpContext } from '../../dispatch.js';
import { catalog, catalogEntry, type CatalogEntry } from '../../software/catalog.js';
import type { PackageManager } from '../../system/packages.js';
import type { ServiceManager } from '../../system/services.js';

export interface SoftwareDeps {
  services: ServiceManager;
  packages: PackageManager | null;
  /** Software the panel itself runs on (its database, its Redis): never stopped or removed from here. */
  protectedNames: ReadonlySet<SoftwareName>;
  /** Reads /proc for running processes; tests may point it elsewhere. */
  probe?: () => ServiceProbe[];
}

/** One concrete package and unit of a catalog entry on this host. */
interface Target {
  entry: CatalogEntry;
  version: string | null;
  package: string;
  unit: string;
}

const OFFERED_CACHE_MS = 10 * 60_000;
const START_CHECK_MS = 15_000;

/**
 * The Software center on the agent's side: what is installed, running and enabled, and installing,
 * removing, starting and stopping it with the distro's package manager and init system.
 */
export function createSoftwareOps(deps: SoftwareDeps) {
  const probe = deps.probe ?? (() => probeServices());
  let offered: { at: number; versions: Map<string, string | null> } | null = null;

  function packages(): PackageManager {
    if (!deps.packages)
      throw new DiwanError('DIWAN_E_CONFLICT', 'This host has no package manager Diwan knows (apt or dnf)');
    return deps.packages;
  }

  function fixed(entry: CatalogEntry): { package: string; unit: string } | null {
    const kind = deps.packages?.kind ?? 'apt';
    return entry[kind] ?? null;
  }

  /**
   * Candidate versions of every versioned package, from the package lists. Asking apt takes from
   * 0.1 s (with apt's binary cache) to 0.8 s (hosts that disable it, as Debian's container images
   * do), so the answer is kept: the agent asks once at start-up (`warm`), and a stale answer is
   * served while a fresh one is fetched in the background. Only the very first call waits.
   */
  let fetching: Promise<Map<string, string | null>> | null = null;
  function refreshOffered(): Promise<Map<string, string | null>> {
    fetching ??= (async () => {
      const names = catalog.flatMap((entry) =>
        entry.versioned ? entry.versioned.candidates.map((v) => entry.versioned!.apt(v).package) : [],
      );
      const versions = deps.packages
        ? await deps.packages.available(names)
        : new Map<string, string | null>();
      offered = { at: Date.now(), versions };
      return versions;
    })().finally(() => {
      fetching = null;
    });
    return fetching;
  }

  async function offeredVersions(): Promise<Map<string, string | null>> {
    if (!offered) return refreshOffered();
    if (Date.now() - offered.at >= OFFERED_CACHE_MS) refreshOffered().catch(() => undefined);
    return offered.versions;
  }

  /** After apt ran (it may have updated the lists): keep serving the old answer, fetch a new one. */
  function offeredChanged(): void {
    if (offered) offered.at = 0;
    refreshOffered().catch(() => undefined);
  }

  async function status(): Promise<SoftwareStatus[]> {
    const candidates = await offeredVersions();
    const allPackages = catalog.flatMap((entry) => {
      if (entry.versioned) return entry.versioned.candidates.map((v) => entry.versioned!.apt(v).package);
      const names = fixed(entry);
      return names ? [names.package] : [];
    });
    const [installed, probes] = await Promise.all([
      deps.packages ? deps.packages.installedVersions(allPackages) : new Map<string, string | null>(),
      Promise.resolve(probe()),
    ]);
    const rows = catalog.map((entry) => {
      const variants = entry.versioned
        ? entry.versioned.candidates
            .map((version) => {
              const name = entry.versioned!.apt(version).package;
              return {
                version,
                package: name,
                installed: (installed.get(name) ?? null) !== null,
                candidate: candidates.get(name) ?? null,
              };
            })
            .filter((variant) => variant.installed || variant.candidate !== null)
        : [];
      const names = fixed(entry);
      const installedVariants = variants.filter((variant) => variant.installed);
      const version = entry.versioned
        ? (installed.get(installedVariants.at(-1)?.package ?? '') ?? null)
        : (installed.get(names?.package ?? '') ?? null);
      const units = entry.versioned
        ? installedVariants.map((variant) => entry.versioned!.apt(variant.version).unit)
        : names
          ? [names.unit]
          : [];
      return { entry, variants, version, units, probe: probes.find((p) => p.name === entry.probe) };
    });
    const enabled = await deps.services.enabledAtBoot(
      rows.filter((row) => row.version !== null && row.entry.daemon).flatMap((row) => row.units),
    );
    return rows.map(({ entry, variants, version, units, probe: found }) => ({
      name: entry.name,
      label: entry.label,
      daemon: entry.daemon,
      installed: version !== null,
      version,
      variants,
      running: entry.daemon ? version !== null && (found?.running ?? false) : null,
      enabledAtBoot:
        entry.daemon && version !== null ? units.some((unit) => enabled.get(unit) === true) : null,
      protected: deps.protectedNames.has(entry.name),
    }));
  }

  async function statusOf(name: SoftwareName): Promise<SoftwareStatus> {
    return (await status()).find((row) => row.name === name)!;
  }

  /** The package and unit to act on: the version asked for, else the newest installed, else offered. */
  async function target(
    name: SoftwareName,
    version: string | undefined,
    forInstall: boolean,
  ): Promise<Target> {
    const entry = catalogEntry(name);
    if (!entry.versioned) {
      if (version !== undefined)
        throw new DiwanError('DIWAN_E_VALIDATION', `${entry.label} is not offered by version`, 'version');
      const names = fixed(entry);
      if (!names)
        throw new DiwanError('DIWAN_E_CONFLICT', `${entry.label} has no package for ${deps.packages?.kind}`);
      return { entry, version: null, ...names };
    }
    const row = await statusOf(name);
    const pool = forInstall ? row.variants : row.variants.filter((variant) => variant.installed);
    const chosen =
      version === undefined
        ? pool.filter((variant) => variant.candidate !== null || variant.installed).at(-1)
        : pool.find((variant) => variant.version === version);
    if (!chosen) {
      throw new DiwanError(
        version === undefined ? 'DIWAN_E_CONFLICT' : 'DIWAN_E_VALIDATION',
        version === undefined
          ? `No version of ${entry.label} is ${forInstall ? 'offered' : 'installed'}`
          : `${entry.label} ${version} is not ${forInstall ? 'offered by this distro' : 'installed'}`,
        'version',
      );
    }
    return { entry, version: chosen.version, ...entry.versioned.apt(chosen.version) };
  }

  function refuseIfProtected(entry: CatalogEntry, what: string): void {
    if (deps.protectedNames.has(entry.name))
      throw new DiwanError(
        'DIWAN_E_CONFLICT',
        `Diwan itself runs on ${entry.label}: it cannot ${what} it from here`,
        'name',
      );
  }

  /** Waits until the init system and /proc both say the service runs, or says why not. */
  async function checkRunning(t: Target, context: OpContext): Promise<void> {
    const deadline = Date.now() + START_CHECK_MS;
    for (;;) {
      const active = await deps.services.isActive(t.unit);
      const running = probe().find((p) => p.name === t.entry.probe)?.running === true;
      if (active && running) return;
      if (Date.now() > deadline) {
        const log = await deps.services.logs(t.unit, { lines: 20, files: t.entry.logFiles(t.version) });
        for (const line of log) context.emit({ kind: 'log', stream: 'stderr', line });
        throw new DiwanError(
          'DIWAN_E_CONFLICT',
          `${t.entry.label} was started but does not run; see its log`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  const info = (context: OpContext, line: string) => context.emit({ kind: 'log', stream: 'info', line });
  const step = (context: OpContext, line: string) => context.emit({ kind: 'log', stream: 'step', line });

  const install: Handler = async (raw, context) => {
    const input = raw as AgentInput<'software.install'>;
    const t = await target(input.name, input.version, true);
    step(context, `Install ${t.package}`);
    info(context, `Installing ${t.package} with ${packages().kind}`);
    await packages().install([t.package], {
      onLine: (stream, line) => context.emit({ kind: 'log', stream, line }),
      onProgress: (percent) => context.emit({ kind: 'progress', percent: Math.min(90, percent * 0.9) }),
    });
    offeredChanged();
    if (t.entry.daemon) {
      // apt may leave a service stopped (policy-rc.d in containers, or by choice): start it, check it.
      step(context, `Start ${t.unit} and check that it runs`);
      info(context, `Starting ${t.unit}`);
      if (!(await deps.services.isActive(t.unit))) await deps.services.start(t.unit);
      await checkRunning(t, context);
      await deps.services.enable(t.unit);
      info(context, `${t.entry.label} runs and starts at boot`);
    }
    context.emit({ kind: 'progress', percent: 100 });
    return statusOf(input.name);
  };

  const uninstall: Handler = async (raw, context) => {
    const input = raw as AgentInput<'software.uninstall'>;
    const t = await target(input.name, input.version, false);
    refuseIfProtected(t.entry, 'remove');
    if (t.entry.daemon && (await deps.services.isActive(t.unit))) {
      // Removal scripts may be barred from stopping it (policy-rc.d): stop it first, ourselves.
      step(context, `Stop ${t.unit}`);
      info(context, `Stopping ${t.unit}`);
      await deps.services.stop(t.unit);
    }
    step(context, `Remove ${t.package}`);
    info(context, `Removing ${t.package} with ${packages().kind}`);
    await packages().remove([t.package], {
      onLine: (stream, line) => context.emit({ kind: 'log', stream, line }),
      onProgress: (percent) => context.emit({ kind: 'progress', percent: Math.min(95, percent) }),
    });
    offeredChanged();
    const after = (await packages().installedVersions([t.package])).get(t.package) ?? null;
    if (after !== null)
      throw new DiwanError('DIWAN_E_CONFLICT', `${t.package} is still installed (${after})`);
    context.emit({ kind: 'progress', percent: 100 });
    return statusOf(input.name);
  };

  const service: Handler = async (raw, context) => {
    const input = raw as AgentInput<'software.service'>;
    const t = await target(input.name, input.version, false);
    const action: ServiceAction = input.action;
    if (!t.entry.daemon && ['start', 'stop', 'restart'].includes(action))
      throw new DiwanError('DIWAN_E_CONFLICT', `${t.entry.label} is not a service that runs`, 'action');
    if (action === 'stop' || action === 'disable') refuseIfProtected(t.entry, action);
    await deps.services[action](t.unit);
    if (t.entry.daemon && (action === 'start' || action === 'restart')) await checkRunning(t, context);
    return statusOf(input.name);
  };

  return {
    /** Starts the slow lookup of offered versions so that the first status does not wait for it. */
    warm: (): void => {
      if (!offered) refreshOffered().catch(() => undefined);
    },
    status: (async () => ({
      software: await status(),
      packageManager: deps.packages?.kind ?? null,
      init: deps.services.init,
    })) satisfies Handler,
    install,
    uninstall,
    service,
    logs: (async (raw) => {
      const input = raw as AgentInput<'software.logs'>;
      const t = await target(input.name, input.version, false);
      const files = t.entry.logFiles(t.version);
      const lines = await deps.services.logs(t.unit, { lines: input.lines, files });
      const source = deps.services.init === 'systemd' ? `journal: ${t.unit}` : files.join(', ');
      return { name: input.name, source, lines };
    }) satisfies Handler,
  };
}
