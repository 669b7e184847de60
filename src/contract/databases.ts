import { z } from 'zod';

/**
 * Databases and their users on the host's MariaDB/MySQL and PostgreSQL servers. Every name reaches
 * SQL (quoted by the driver's identifier escaping anyway) and a command line, so names are checked
 * against an allow-list here, and again by the agent, which parses the same schemas.
 */

export const databaseEngines = ['mariadb', 'postgresql'] as const;
export const databaseEngineSchema = z.enum(databaseEngines);
export type DatabaseEngine = z.infer<typeof databaseEngineSchema>;

/** Names the servers or Diwan need for themselves; compared without regard to case. */
export const reservedDatabaseNames: ReadonlySet<string> = new Set([
  'mysql',
  'sys',
  'information_schema',
  'performance_schema',
  'postgres',
  'template0',
  'template1',
  'root',
  'mariadb',
  'admin',
  'public',
  'diwan',
  'debian-sys-maint',
]);

/** Longest name each engine takes: MariaDB databases 64; users 32 so MySQL takes them too; PostgreSQL 63. */
export const nameLimits: Record<DatabaseEngine, { database: number; user: number }> = {
  mariadb: { database: 64, user: 32 },
  postgresql: { database: 63, user: 63 },
};

// Lowercase only: PostgreSQL folds unquoted names to lowercase, so `psql -d Shop` would miss "Shop".
const namePattern = /^[a-z][a-z0-9_]*$/;

/** A database or user name: a letter, then letters, digits and underscores; not reserved. */
export const identifierSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(namePattern, 'lowercase letters, digits and underscores, starting with a letter')
  .refine((name) => !reservedDatabaseNames.has(name.toLowerCase()), 'this name is reserved')
  // PostgreSQL keeps pg_ for its own roles; MariaDB has none, but one rule for both is simpler.
  .refine((name) => !name.toLowerCase().startsWith('pg_'), 'names starting with pg_ are reserved');

/** Passwords end up in connection strings, .env files and PHP configs: a set that needs no quoting. */
export const passwordAlphabet = 'A-Za-z0-9 and !#%*+,.:=?@^_~-';
export const databasePasswordSchema = z
  .string()
  .min(12)
  .max(128)
  .regex(/^[A-Za-z0-9!#%*+,.:=?@^_~-]+$/, `only ${passwordAlphabet}`)
  .refine((password) => !password.includes('--'), 'may not contain --')
  .refine((password) => !password.startsWith('-'), 'may not start with -');

/**
 * Where a MariaDB user may connect from: `localhost` (the socket), `%` (anywhere), or one IPv4 or
 * IPv6 address. PostgreSQL roles take no hosts: their remote access is a pg_hba.conf rule.
 */
export const databaseHostSchema = z.union([
  z.literal('localhost'),
  z.literal('%'),
  z.ipv4(),
  z.ipv6().max(45),
]);

/** Where a MariaDB user connects from: one to twenty hosts, each once. */
export const databaseHostsSchema = z
  .array(databaseHostSchema)
  .min(1)
  .max(20)
  .refine((hosts) => new Set(hosts).size === hosts.length, 'each host once');

export const charsetSchema = z
  .string()
  .max(32)
  .regex(/^[a-z0-9][a-z0-9_]*$/, 'a character set such as utf8mb4 (MariaDB) or utf8 (PostgreSQL)');
export const collationSchema = z
  .string()
  .max(64)
  // MariaDB collations (utf8mb4_unicode_ci) or PostgreSQL locales (C, C.UTF-8, en_US.UTF-8).
  .regex(
    /^(?:[a-z0-9]+_[a-z0-9_]+|C|POSIX|C\.[A-Za-z0-9-]+|[a-z]{2,3}_[A-Z]{2}(?:\.[A-Za-z0-9-]+)?)$/,
    'a collation such as utf8mb4_unicode_ci (MariaDB) or C.UTF-8 (PostgreSQL)',
  );

/** Holds `name` and `username` to the engine's own length limits. */
export function withNameLimits<
  T extends z.ZodType<{ engine: DatabaseEngine; name?: string; username?: string }>,
>(schema: T): T {
  return schema.superRefine((value, context) => {
    const limits = nameLimits[value.engine];
    if (value.name !== undefined && value.name.length > limits.database)
      context.addIssue({
        code: 'custom',
        path: ['name'],
        message: `at most ${limits.database} characters for ${value.engine}`,
      });
    if (value.username !== undefined && value.username.length > limits.user)
      context.addIssue({
        code: 'custom',
        path: ['username'],
        message: `at most ${limits.user} characters for ${value.engine}`,
      });
  }) as T;
}

/**
 * Where an import may read a dump on the server: under a few places meant for such files, by a plain
 * absolute path (no `..`, `.`, `//` or control characters), named .sql or .sql.gz. The agent also
 * refuses symlinks and anything but a regular file.
 */
export const importRoots = [
  '/root/',
  '/home/',
  '/srv/',
  '/var/backups/',
  '/var/lib/diwan/',
  '/tmp/',
] as const;
export const importPathSchema = z
  .string()
  .max(4096)
  .refine(
    (path) =>
      importRoots.some((root) => path.startsWith(root)) &&
      !/(^|\/)\.\.?(\/|$)/.test(path) &&
      !path.includes('//') &&
      // eslint-disable-next-line no-control-regex
      !/[\u0000-\u001f\u007f]/.test(path) &&
      /^[^\s'"`$;|&<>*?\\]+\.sql(\.gz)?$/.test(path),
    `a .sql or .sql.gz file under ${importRoots.join(', ')}`,
  );

export const createDatabaseBodySchema = withNameLimits(
  z
    .object({
      engine: databaseEngineSchema,
      name: identifierSchema,
      username: identifierSchema,
      /** Generated (and shown once) when absent. */
      password: databasePasswordSchema.optional(),
      /** MariaDB only; `localhost` when absent. */
      hosts: databaseHostsSchema.optional(),
      charset: charsetSchema.optional(),
      collation: collationSchema.optional(),
    })
    .strict()
    .superRefine((body, context) => {
      if (body.engine === 'postgresql' && body.hosts !== undefined)
        context.addIssue({
          code: 'custom',
          path: ['hosts'],
          message: 'PostgreSQL roles take no hosts: turn on remote access for the role instead',
        });
    }),
);
export type CreateDatabaseBody = z.infer<typeof createDatabaseBodySchema>;

export const updateDatabaseBodySchema = z
  .object({ charset: charsetSchema.optional(), collation: collationSchema.optional() })
  .strict();

export const databaseUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    hosts: z.array(z.string()),
    /** PostgreSQL: whether pg_hba.conf lets the role in from other hosts (with its password). */
    remoteAccess: z.boolean(),
    /** Whether the user was created with this database (deleted with it). */
    owner: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'DatabaseUser' });

/** What the server says about a database right now; null when it could not be asked. */
export const databaseLiveSchema = z.object({
  name: z.string(),
  sizeBytes: z.number(),
  /** Null for PostgreSQL in lists: counting means connecting to each database. */
  tables: z.number().int().nullable(),
  charset: z.string().nullable(),
  collation: z.string().nullable(),
});
export type DatabaseLive = z.infer<typeof databaseLiveSchema>;

export const connectionDetailsSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  socket: z.string().nullable(),
  database: z.string(),
  username: z.string(),
});

export const databaseSchema = z
  .object({
    id: z.string(),
    engine: databaseEngineSchema,
    name: z.string(),
    charset: z.string().nullable(),
    collation: z.string().nullable(),
    createdAt: z.number(),
    /** Null when the server did not answer, or the database is gone from it. */
    live: databaseLiveSchema.omit({ name: true }).nullable(),
  })
  .meta({ id: 'Database' });

export const databaseDetailSchema = databaseSchema
  .extend({ users: z.array(databaseUserSchema), connection: connectionDetailsSchema })
  .meta({ id: 'DatabaseDetail' });

export const createdDatabaseSchema = databaseDetailSchema
  .extend({ password: z.string().optional() })
  .meta({ id: 'CreatedDatabase' });

export const databaseListQuerySchema = z.object({ engine: databaseEngineSchema.optional() });

/** A database on the server that Diwan does not manage (made by hand, or before Diwan came). */
export const unmanagedDatabaseSchema = z
  .object({
    name: z.string(),
    sizeBytes: z.number(),
    tables: z.number().int().nullable(),
    /** Whether Diwan can take it in: its name must follow Diwan's rules (see `reason`). */
    adoptable: z.boolean(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'UnmanagedDatabase' });

/** Takes a database that exists on the server into Diwan's list; its users stay as they are. */
export const adoptDatabaseBodySchema = withNameLimits(
  z.object({ engine: databaseEngineSchema, name: identifierSchema }).strict(),
);

export const createDatabaseUserBodySchema = z
  .object({
    username: identifierSchema,
    password: databasePasswordSchema.optional(),
    hosts: databaseHostsSchema.optional(),
  })
  .strict();

export const updateDatabaseUserBodySchema = z
  .object({
    /** A new password; `generate: true` asks Diwan to make one (shown once). */
    password: databasePasswordSchema.optional(),
    generate: z.literal(true).optional(),
    /** PostgreSQL only: let the role in from other hosts with its password (pg_hba.conf), or not. */
    remoteAccess: z.boolean().optional(),
    /** MariaDB only: where the user may connect from, replacing the hosts it has. */
    hosts: databaseHostsSchema.optional(),
  })
  .strict();

/** A user of one engine with the databases it is granted on (to grant it on another). */
export const engineUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    hosts: z.array(z.string()),
    databases: z.array(z.string()),
  })
  .meta({ id: 'EngineDatabaseUser' });

export const databaseUserParamsSchema = z.object({ id: z.uuid(), userId: z.uuid() });

export const revealedPasswordSchema = z
  .object({ username: z.string(), password: z.string() })
  .meta({ id: 'RevealedPassword' });

export const deleteDatabaseQuerySchema = z.object({
  /** The database's name again: a delete is confirmed by naming what goes. */
  confirm: z.string().max(64),
});

/** Where an import reads from: a file uploaded before (`upload`) or a path on the server. */
export const importBodySchema = z
  .object({
    upload: z.uuid().optional(),
    path: importPathSchema.optional(),
  })
  .strict()
  .refine((body) => (body.upload === undefined) !== (body.path === undefined), {
    message: 'give either upload or path',
    path: ['upload'],
  });

export const uploadSchema = z
  .object({ id: z.string(), sizeBytes: z.number(), compressed: z.boolean() })
  .meta({ id: 'DatabaseUpload' });

export const exportFileSchema = z
  .object({ file: z.string(), sizeBytes: z.number(), createdAt: z.number() })
  .meta({ id: 'DatabaseExport' });

/** A dump file Diwan wrote: `<database id>-<epoch ms>.sql.gz`. */
export const exportFileNameSchema = z
  .string()
  .regex(/^[0-9a-f-]{36}-\d{13}\.sql\.gz$/, 'an export file name');

export const redisStatusSchema = z
  .object({
    running: z.boolean(),
    version: z.string().nullable(),
    usedMemoryBytes: z.number().nullable(),
    clients: z.number().nullable(),
    keys: z.array(z.object({ db: z.number().int(), keys: z.number().int(), expires: z.number().int() })),
    persistence: z.object({
      rdbSaves: z.array(z.string()),
      appendOnly: z.boolean(),
      lastSaveAt: z.number().nullable(),
    }),
    passwordSet: z.boolean(),
    configPath: z.string(),
  })
  .meta({ id: 'RedisStatus' });

export const redisPasswordBodySchema = z
  .object({ password: databasePasswordSchema.optional() })
  .strict()
  .default({});
