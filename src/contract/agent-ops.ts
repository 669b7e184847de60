import { z } from 'zod';
import { dashboardSampleSchema } from './dashboard.js';
import {
  siteDriftSchema,
  siteRecordSchema,
  websiteLogFollowInputSchema,
  websiteLogFollowSchema,
  websiteLogInputSchema,
  websiteLogSchema,
  certificateInfoSchema,
  customCertificateSchema,
} from './websites.js';
import {
  serviceActions,
  softwareListSchema,
  softwareLogSchema,
  softwareStatusSchema,
  softwareTargetSchema,
  softwareVersionSchema,
} from './software.js';
import {
  redisStatusSchema,
  exportFileNameSchema,
  importPathSchema,
  charsetSchema,
  collationSchema,
  connectionDetailsSchema,
  databaseEngineSchema,
  databaseHostSchema,
  databaseHostsSchema,
  databaseLiveSchema,
  databasePasswordSchema,
  identifierSchema,
  withNameLimits,
} from './databases.js';

/** Bumped whenever a message shape changes; the handshake refuses a mismatch. */
export const AGENT_PROTOCOL_VERSION = 2;
/** Largest message either side accepts, in bytes: a connection that sends more is closed. */
export const AGENT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Who asks: the caller's session cookie or API token, verified again by the agent itself. */
export const agentCredentialsSchema = z.union([
  z.object({ session: z.string().min(1).max(200) }),
  z.object({ token: z.string().min(1).max(200) }),
]);
export type AgentCredentials = z.infer<typeof agentCredentialsSchema>;

export const hostInfoSchema = z
  .object({
    hostname: z.string(),
    kernel: z.string(),
    arch: z.string(),
    os: z.object({ id: z.string(), versionId: z.string().nullable(), prettyName: z.string() }),
    initSystem: z.enum(['systemd', 'sysv', 'openrc', 'unknown']),
    packageManager: z.enum(['apt', 'dnf', 'yum']).nullable(),
    container: z.string().nullable(),
    uptimeSeconds: z.number(),
  })
  .meta({ id: 'HostInfo' });

/** What a long operation tells its caller while it runs: its output, line by line, and progress. */
export const agentEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('log'),
    /** `step`: the operation enters a new phase; the line names it. */
    stream: z.enum(['stdout', 'stderr', 'info', 'step']),
    line: z.string().max(16 * 1024),
  }),
  z.object({ kind: z.literal('progress'), percent: z.number().min(0).max(100) }),
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;

interface OpSpec<I extends z.ZodType, O extends z.ZodType> {
  input: I;
  output: O;
  /** Changes the host: needs an admin session or token. */
  changesHost: boolean;
  /** Longest a call may take before the caller gives up. */
  timeoutMs: number;
  /** Needs no caller at all: only for operations that do and reveal nothing (the liveness ping). */
  public?: boolean;
  /** Reveals what only an administrator may read (service logs), though it changes nothing. */
  adminOnly?: boolean;
  /** May be stopped midway. Package operations may not: a dpkg run cut short leaves a broken system. */
  cancellable?: boolean;
}

function op<I extends z.ZodType, O extends z.ZodType>(spec: OpSpec<I, O>): OpSpec<I, O> {
  return spec;
}

/** A user's accounts on one server: MariaDB has one per host; PostgreSQL ignores hosts. */
const accountShape = {
  engine: databaseEngineSchema,
  username: identifierSchema,
  hosts: z.array(databaseHostSchema).min(1).max(20),
};
const accountList = z
  .array(z.object({ username: identifierSchema, hosts: accountShape.hosts }).strict())
  .min(1)
  .max(100)
  .optional();
const ok = z.object({ ok: z.literal(true) });

/** What a website change answers: the site's folder, a note, and the certificate it now serves. */
const siteChangeSchema = z.object({
  root: z.string().nullable(),
  note: z.string().nullable(),
  certificate: certificateInfoSchema.nullable(),
});

function databaseOps() {
  return {
    'databases.list': op({
      input: z
        .object({
          engine: databaseEngineSchema,
          names: z.array(identifierSchema).min(1).max(5000).optional(),
        })
        .strict(),
      output: z.object({
        databases: z.array(databaseLiveSchema),
        connection: connectionDetailsSchema.omit({ database: true, username: true }),
      }),
      changesHost: false,
      timeoutMs: 30_000,
    }),
    'databases.create': op({
      input: withNameLimits(
        z
          .object({
            ...accountShape,
            name: identifierSchema,
            password: databasePasswordSchema,
            charset: charsetSchema.optional(),
            collation: collationSchema.optional(),
          })
          .strict(),
      ),
      output: databaseLiveSchema,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    'databases.alter': op({
      input: z
        .object({
          engine: databaseEngineSchema,
          name: identifierSchema,
          charset: charsetSchema.optional(),
          collation: collationSchema.optional(),
        })
        .strict(),
      output: databaseLiveSchema,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    'databases.drop': op({
      input: z
        .object({
          engine: databaseEngineSchema,
          name: identifierSchema,
          /** Users granted on it: their grants are revoked (MariaDB keeps them after a drop). */
          revoke: accountList,
          /** Users dropped with it (those that had no other database). */
          dropUsers: accountList,
        })
        .strict(),
      output: ok,
      changesHost: true,
      timeoutMs: 120_000,
    }),
    'databases.createUser': op({
      input: withNameLimits(
        z.object({ ...accountShape, name: identifierSchema, password: databasePasswordSchema }).strict(),
      ),
      output: ok,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    'databases.dropUser': op({
      input: z.object(accountShape).strict(),
      output: ok,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    'databases.setPassword': op({
      input: z.object({ ...accountShape, password: databasePasswordSchema }).strict(),
      output: ok,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    /** MariaDB: moves a user to other hosts (accounts added with its password and grants, others dropped). */
    'databases.setHosts': op({
      input: z
        .object({
          username: identifierSchema,
          from: accountShape.hosts,
          to: databaseHostsSchema,
          password: databasePasswordSchema,
          /** The databases the user is granted on: granted again to each added account. */
          names: z.array(identifierSchema).max(5000),
        })
        .strict(),
      output: ok,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    'databases.grant': op({
      input: z.object({ ...accountShape, name: identifierSchema }).strict(),
      output: ok,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    'databases.remoteAccess': op({
      input: z.object({ username: identifierSchema, access: z.enum(['local', 'remote']) }).strict(),
      output: ok,
      changesHost: true,
      timeoutMs: 60_000,
    }),
    'databases.export': op({
      input: z
        .object({ engine: databaseEngineSchema, name: identifierSchema, file: exportFileNameSchema })
        .strict(),
      output: z.object({ file: z.string(), sizeBytes: z.number(), durationMs: z.number() }),
      changesHost: true,
      timeoutMs: 6 * 60 * 60_000,
      cancellable: true,
    }),
    'databases.import': op({
      input: z
        .object({
          engine: databaseEngineSchema,
          name: identifierSchema,
          /** PostgreSQL: the role the dump's objects are created as (the database's owner). */
          owner: identifierSchema,
          upload: z.uuid().optional(),
          path: importPathSchema.optional(),
        })
        .strict(),
      output: z.object({ sizeBytes: z.number(), durationMs: z.number() }),
      changesHost: true,
      timeoutMs: 6 * 60 * 60_000,
      cancellable: true,
    }),
    'redis.status': op({
      input: z.object({}).strict(),
      output: redisStatusSchema,
      changesHost: false,
      timeoutMs: 15_000,
    }),
    'redis.setPassword': op({
      input: z.object({ password: databasePasswordSchema }).strict(),
      output: redisStatusSchema,
      changesHost: true,
      timeoutMs: 120_000,
    }),
    'databases.revoke': op({
      input: z.object({ ...accountShape, name: identifierSchema }).strict(),
      output: ok,
      changesHost: true,
      timeoutMs: 60_000,
    }),
  };
}

/**
 * Every operation the agent performs, declared once: the web tier, the agent and the CLI validate
 * against these same schemas. The agent accepts nothing that is not listed here.
 */
/**
 * A site as the agent takes it: a login in front of it carries each user's {SSHA} hash only. The web
 * tier hashes passwords before anything else sees them, so a plain one reaching the agent is refused
 * at its boundary like any other malformed input.
 */
const agentSiteSchema = siteRecordSchema.refine(
  (site) =>
    (site.spec.options.passwordProtection?.users ?? []).every(
      (user) => user.passwordHash !== undefined && user.password === undefined,
    ),
  {
    message: 'give each user a passwordHash, never a password',
    path: ['spec', 'options', 'passwordProtection', 'users'],
  },
);

export const agentOps = {
  'system.ping': op({
    input: z.object({}).strict(),
    output: z.object({ pong: z.literal(true) }),
    changesHost: false,
    timeoutMs: 5_000,
    public: true,
  }),
  'system.info': op({
    input: z.object({}).strict(),
    output: hostInfoSchema,
    changesHost: false,
    timeoutMs: 5_000,
  }),
  /** The dashboard's figures; one sampler in the agent serves every caller. */
  'system.sample': op({
    input: z.object({}).strict(),
    output: dashboardSampleSchema,
    changesHost: false,
    timeoutMs: 5_000,
  }),
  'software.status': op({
    input: z.object({}).strict(),
    output: softwareListSchema,
    changesHost: false,
    timeoutMs: 15_000,
  }),
  // apt's output streams as the call's events; never cancellable: dpkg cut short breaks the system.
  'software.install': op({
    input: softwareTargetSchema.strict(),
    output: softwareStatusSchema,
    changesHost: true,
    timeoutMs: 30 * 60_000,
  }),
  'software.uninstall': op({
    input: softwareTargetSchema.strict(),
    output: softwareStatusSchema,
    changesHost: true,
    timeoutMs: 30 * 60_000,
  }),
  'software.service': op({
    input: softwareTargetSchema.extend({ action: z.enum(serviceActions) }).strict(),
    output: softwareStatusSchema,
    changesHost: true,
    timeoutMs: 120_000,
  }),
  'software.logs': op({
    input: z
      .object({
        name: softwareTargetSchema.shape.name,
        version: softwareVersionSchema.optional(),
        lines: z.number().int().min(1).max(2000),
      })
      .strict(),
    output: softwareLogSchema,
    changesHost: false,
    adminOnly: true,
    timeoutMs: 15_000,
  }),
  /** Renders a site, writes it, checks and reloads nginx (and PHP-FPM), then asks the site. Whole or nothing. */
  'websites.apply': op({
    input: z.object({ site: agentSiteSchema }).strict(),
    output: siteChangeSchema,
    changesHost: true,
    timeoutMs: 120_000,
  }),
  /**
   * Gives a site the certificate its owner pasted (`site.tls.source` = custom): checked (readable,
   * key matches, covers the domains, valid now), written root-only with the vhost, served, or all
   * undone.
   */
  'websites.setCertificate': op({
    input: z.object({ site: agentSiteSchema, ...customCertificateSchema.shape }).strict(),
    output: siteChangeSchema,
    changesHost: true,
    timeoutMs: 120_000,
  }),
  /**
   * Orders a certificate from the configured ACME server (Let's Encrypt) over HTTP-01 and applies
   * the site with it (`site.tls.source` = letsencrypt); the same for a renewal. Whole or nothing.
   */
  'websites.issueCertificate': op({
    input: z.object({ site: agentSiteSchema }).strict(),
    output: siteChangeSchema,
    changesHost: true,
    timeoutMs: 300_000,
  }),
  /**
   * Renews a site's Let's Encrypt certificate for the names it already has, changing nothing else.
   * Public, like drift: the daily sweep runs it with no user. It takes only an id and can only
   * replace a certificate the ACME server issued for this site with a fresh one for the same names
   * (the socket is open to the web tier's group only).
   */
  'websites.renewCertificate': op({
    input: z.object({ id: z.uuid() }).strict(),
    output: siteChangeSchema,
    changesHost: true,
    timeoutMs: 300_000,
    public: true,
  }),
  /** Takes a site out of nginx and PHP-FPM, removes its user, and its files unless kept. */
  'websites.remove': op({
    input: z.object({ site: agentSiteSchema, keepFiles: z.boolean() }).strict(),
    output: z.object({ removedFiles: z.boolean() }),
    changesHost: true,
    timeoutMs: 120_000,
  }),
  /**
   * Compares the sites' files with what Diwan would write (hand edits, missing files, orphans).
   * Public: the web tier runs it at start-up with no user; it reveals states, never contents, and
   * the socket is open to the web tier's group only.
   */
  'websites.drift': op({
    input: z.object({ sites: z.array(agentSiteSchema).max(5000) }).strict(),
    output: siteDriftSchema,
    changesHost: false,
    timeoutMs: 60_000,
    public: true,
  }),
  /** The last lines of a site's access or error log, optionally only those holding a text. */
  'websites.logs': op({
    input: websiteLogInputSchema,
    output: websiteLogSchema,
    changesHost: false,
    timeoutMs: 15_000,
    adminOnly: true,
  }),
  /** Following a site's log: what it gained since the last step (the live socket asks every second). */
  'websites.logFollow': op({
    input: websiteLogFollowInputSchema,
    output: websiteLogFollowSchema,
    changesHost: false,
    timeoutMs: 10_000,
    adminOnly: true,
  }),
  /** The configuration files of a site as they are on disk (read-only view, drift). */
  'websites.files': op({
    input: z.object({ id: z.uuid() }).strict(),
    output: z.object({ files: z.array(z.object({ path: z.string(), content: z.string() })) }),
    changesHost: false,
    timeoutMs: 10_000,
    adminOnly: true,
  }),
  ...databaseOps(),
};

export type AgentOps = typeof agentOps;

export type AgentOpName = keyof AgentOps;
export type AgentInput<N extends AgentOpName> = z.input<AgentOps[N]['input']>;
export type AgentOutput<N extends AgentOpName> = z.output<AgentOps[N]['output']>;

/** The wire: one JSON object per line. */
export const agentRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.number().int() }),
  z.object({
    type: z.literal('call'),
    id: z.number().int().nonnegative(),
    op: z.string().max(64),
    input: z.unknown(),
    auth: agentCredentialsSchema.nullable(),
  }),
  z.object({ type: z.literal('cancel'), id: z.number().int().nonnegative() }),
]);

export const agentErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
});

export const agentResponseSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.number().int(), agentVersion: z.string() }),
  z.object({ type: z.literal('event'), id: z.number().int(), event: agentEventSchema }),
  z.object({ type: z.literal('result'), id: z.number().int(), output: z.unknown() }),
  z.object({ type: z.literal('error'), id: z.number().int().nullable(), error: agentErrorSchema }),
]);
export type AgentResponse = z.infer<typeof agentResponseSchema>;
