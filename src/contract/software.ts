import { z } from 'zod';

/** The Software center's catalog: the distro's own packages, nothing downloaded from elsewhere. */
export const softwareNames = [
  'nginx',
  'mariadb',
  'postgresql',
  'redis',
  'php-fpm',
  'cron',
  'nftables',
  'fail2ban',
  'openssh-server',
] as const;
export const softwareNameSchema = z.enum(softwareNames);
export type SoftwareName = z.infer<typeof softwareNameSchema>;

/** What a user may do to a piece of software; install and uninstall run as tasks. */
export const softwareActions = [
  'install',
  'uninstall',
  'start',
  'stop',
  'restart',
  'reload',
  'enable',
  'disable',
] as const;
export type SoftwareAction = (typeof softwareActions)[number];
export const serviceActions = ['start', 'stop', 'restart', 'reload', 'enable', 'disable'] as const;
export type ServiceAction = (typeof serviceActions)[number];

/** A version the distro offers as a separate package (PHP: `8.2` → php8.2-fpm). */
export const softwareVersionSchema = z.string().regex(/^\d{1,2}\.\d{1,2}$/, 'a version such as 8.2');

/** Entries the distro offers in several versions side by side; only these take a `version`. */
export const versionedSoftware: ReadonlySet<SoftwareName> = new Set<SoftwareName>(['php-fpm']);

export const softwareStatusSchema = z
  .object({
    name: softwareNameSchema,
    label: z.string(),
    /** A daemon can run, start and stop; nftables is not one (it loads rules into the kernel). */
    daemon: z.boolean(),
    installed: z.boolean(),
    /** The installed package's version, as the package manager reports it. */
    version: z.string().nullable(),
    /** Versions the distro offers as separate packages, and which of them are installed. */
    variants: z.array(
      z.object({
        version: z.string(),
        package: z.string(),
        installed: z.boolean(),
        candidate: z.string().nullable(),
      }),
    ),
    running: z.boolean().nullable(),
    enabledAtBoot: z.boolean().nullable(),
    /** Panel depends on it (its own database or Redis): it may not be stopped or removed from here. */
    protected: z.boolean(),
  })
  .meta({ id: 'Software' });
export type SoftwareStatus = z.infer<typeof softwareStatusSchema>;

export const softwareListSchema = z
  .object({
    software: z.array(softwareStatusSchema),
    packageManager: z.string().nullable(),
    init: z.string(),
  })
  .meta({ id: 'SoftwareList' });

export const softwareTargetSchema = z.object({
  name: softwareNameSchema,
  /** For software offered in several versions (PHP); the newest installed or offered by default. */
  version: softwareVersionSchema.optional(),
});

export const softwareActionBodySchema = z
  .object({ version: softwareVersionSchema.optional() })
  .strict()
  .default({});

export const softwareLogQuerySchema = z.object({
  lines: z.coerce.number().int().min(1).max(2000).default(200),
  version: softwareVersionSchema.optional(),
});

export const softwareLogSchema = z
  .object({ name: softwareNameSchema, source: z.string(), lines: z.array(z.string()) })
  .meta({ id: 'SoftwareLog' });
