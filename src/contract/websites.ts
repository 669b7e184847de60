import { z } from 'zod';

/**
 * Websites on nginx. Every value that ends up in a config file is checked here against an
 * allow-list, so that nothing a user types can close a directive, open a block or name a variable;
 * the renderer quotes what it writes on top of that.
 */

export const siteTypes = ['static', 'php', 'proxy', 'redirect'] as const;
export type SiteType = (typeof siteTypes)[number];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * IDNA ToASCII as the WHATWG URL parser does it, in Node and in browsers alike (the contract is also
 * bundled into the web interface): '' when the name cannot be a host.
 */
function domainToASCII(name: string): string {
  try {
    return new URL(`http://${name}/`).hostname;
  } catch {
    return '';
  }
}

/**
 * A domain as nginx will see it: lower case, internationalized names as punycode, labels of letters,
 * digits and inner hyphens, at least two labels, an optional leading `*.` wildcard. Null when the
 * name is not one.
 */
export function normalizeDomain(input: string): string | null {
  if (input.length === 0 || input.length > 253 || /[^\p{L}\p{N}.*-]/u.test(input)) return null;
  // A label mixing Latin with Cyrillic or Greek letters is how homographs are made ("аpple" with a
  // Cyrillic а): browsers show such names as punycode, and Diwan refuses them.
  const mixed = (label: string) =>
    /\p{Script=Latin}/u.test(label) && /[\p{Script=Cyrillic}\p{Script=Greek}]/u.test(label);
  if (input.split('.').some(mixed)) return null;
  const wildcard = input.startsWith('*.');
  const ascii = domainToASCII(wildcard ? input.slice(2) : input);
  if (ascii === '' || ascii.length > 253 - (wildcard ? 2 : 0)) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  // A label that claims to be punycode must decode to something.
  if (labels.some((label) => label.startsWith('xn--') && domainToASCII(label) === '')) return null;
  if (/^\d+$/.test(labels.at(-1)!)) return null; // an IPv4 address is not a site's name
  return wildcard ? `*.${ascii}` : ascii;
}

export const domainSchema = z
  .string()
  .max(253)
  .transform((value, context) => {
    const domain = normalizeDomain(value);
    if (domain === null) {
      context.addIssue({
        code: 'custom',
        message: 'must be a domain name such as example.com or *.example.com',
      });
      return z.NEVER;
    }
    return domain;
  });

/**
 * A domain already in nginx's form (lower case, punycode): checked without changing it, so that it
 * can also appear in answers (a transform cannot be serialized back).
 */
export const asciiDomainSchema = z
  .string()
  .max(253)
  .refine(
    (value) => normalizeDomain(value) === value,
    'must be a domain name in lower case, international names as punycode (xn--…)',
  );

/** A site's root, relative to the web root (`/var/www` by default): plain names, no `.` or `..`. */
export const siteRootSchema = z
  .string()
  .max(200)
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*){0,3}$/,
    'must be a path under the web root: names of letters, digits, dots, dashes and underscores, each starting with a letter, digit or underscore',
  );

/**
 * An http(s) URL that is safe to write into a config: no spaces, quotes, semicolons, braces,
 * backslashes or `$` (nginx variables), no user:password, a real host.
 */
export const webUrlSchema = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!&()*+,=%]+$/, 'must be an http:// or https:// URL')
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.username === '' && url.password === '' && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL with a host and no credentials');

export const redirectCodes = [301, 302, 307, 308] as const;
export const rewritePresets = ['none', 'wordpress', 'laravel', 'spa'] as const;

const indexFileSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a file name such as index.html');

const cidrSchema = z
  .string()
  .max(49)
  .refine((value) => {
    const [address, prefix, ...rest] = value.split('/');
    if (rest.length > 0 || address === undefined) return false;
    const version = address.includes(':') ? 6 : 4;
    const ok =
      version === 4
        ? /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(address)
        : /^[0-9a-fA-F:]+$/.test(address) && address.includes('::') !== address.includes(':::');
    if (!ok) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
  }, 'must be an IP address or a CIDR range such as 203.0.113.0/24');

export const errorPageCodes = [403, 404, 500, 502, 503, 504] as const;

/** A path inside a site, such as /errors/404.html: no `.` or `..` segments, nothing nginx reads as syntax. */
const sitePathSchema = z
  .string()
  .max(200)
  .regex(/^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/, 'must be a path such as /errors/404.html');

export const siteOptionsSchema = z
  .object({
    gzip: z.boolean().default(true),
    /** Index files in order; defaults depend on the type. */
    index: z.array(indexFileSchema).min(1).max(8).optional(),
    rewrite: z.enum(rewritePresets).default('none'),
    /** Addresses allowed in; when present, everyone else is refused (403). */
    allow: z.array(cidrSchema).max(100).default([]),
    /** Addresses refused (403). */
    deny: z.array(cidrSchema).max(100).default([]),
    accessLog: z.boolean().default(true),
    /** Requests per second from one address, with a burst allowance; beyond it, 429. */
    rateLimit: z
      .object({
        perSecond: z.number().int().min(1).max(10_000),
        burst: z.number().int().min(0).max(10_000).default(0),
      })
      .strict()
      .optional(),
    /** Bandwidth of each connection, in KB/s. */
    bandwidthKb: z.number().int().min(1).max(1_000_000).optional(),
    /** Pages (under the site's root) shown for these statuses. Static and PHP sites. */
    errorPages: z
      .array(
        z
          .object({
            code: z.union(errorPageCodes.map((code) => z.literal(code))),
            page: sitePathSchema,
          })
          .strict(),
      )
      .max(errorPageCodes.length)
      .default([]),
    /** Images and media answer 403 to pages of other sites (the site's own names always pass). */
    hotlinkProtection: z
      .object({ allow: z.array(asciiDomainSchema).max(50).default([]) })
      .strict()
      .optional(),
    /**
     * A login (HTTP basic auth) in front of the whole site or a path. The API takes `password`; the
     * panel keeps and the agent writes only `passwordHash` ({SSHA}); answers show neither.
     */
    passwordProtection: z
      .object({
        path: z.union([z.literal('/'), sitePathSchema]).default('/'),
        realm: z
          .string()
          .regex(
            /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?$/,
            'must be 1 to 64 letters, digits, spaces, dots, dashes, beginning and ending with a letter or digit',
          )
          .default('Restricted'),
        users: z
          .array(
            z
              .object({
                username: z
                  .string()
                  .regex(
                    /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/,
                    'must be 1 to 32 letters, digits, dots, dashes, underscores, beginning with a letter or digit',
                  ),
                password: z
                  .string()
                  .min(8)
                  .max(128)
                  .refine((text) => !hasControl(text), 'must not contain control characters')
                  .optional(),
                passwordHash: z
                  .string()
                  .regex(/^\{SSHA\}[A-Za-z0-9+/]{20,80}={0,2}$/, 'must be an {SSHA} hash')
                  .optional(),
              })
              .strict(),
          )
          .min(1)
          .max(50)
          .refine(
            (users) => new Set(users.map((user) => user.username)).size === users.length,
            'must not repeat a username',
          ),
      })
      .strict()
      .optional(),
    /**
     * nginx directives added at the end of the server block, as written: for administrators (every
     * website change needs an admin session or token), checked by `nginx -t` like everything else.
     */
    snippet: z
      .string()
      .max(8_000)
      .refine((text) => !text.includes('\0'), 'must not contain NUL')
      .optional(),
  })
  .strict();
export type SiteOptions = z.infer<typeof siteOptionsSchema>;

const domainsSchema = z
  .array(domainSchema)
  .min(1)
  .max(50)
  .refine((domains) => new Set(domains).size === domains.length, 'must not repeat a domain');

const common = {
  domains: domainsSchema,
  options: siteOptionsSchema.default(siteOptionsSchema.parse({})),
};
const phpVersionSchema = z.string().regex(/^\d\.\d$/, 'must be a PHP version such as 8.2');

/** What a site is, as the user describes it: the create body and the renderer's input. */
export const siteSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('static'), root: siteRootSchema.optional(), ...common }).strict(),
  z
    .object({
      type: z.literal('php'),
      root: siteRootSchema.optional(),
      phpVersion: phpVersionSchema,
      ...common,
    })
    .strict(),
  z.object({ type: z.literal('proxy'), upstream: webUrlSchema, ...common }).strict(),
  z
    .object({
      type: z.literal('redirect'),
      redirect: z
        .object({
          to: webUrlSchema,
          code: z.union(redirectCodes.map((code) => z.literal(code))).default(301),
          keepPath: z.boolean().default(true),
        })
        .strict(),
      ...common,
    })
    .strict(),
]);
export type SiteSpec = z.infer<typeof siteSpecSchema>;
export type SiteSpecInput = z.input<typeof siteSpecSchema>;

/** A site as Diwan keeps it: the spec plus what Diwan chose (id, absolute root, state). */
export const websiteSchema = z
  .object({
    id: z.string(),
    type: z.enum(siteTypes),
    domains: z.array(z.string()),
    /** Absolute path of the files (static and PHP sites), null for the others. */
    root: z.string().nullable(),
    phpVersion: z.string().nullable(),
    upstream: z.string().nullable(),
    redirect: z.object({ to: z.string(), code: z.number(), keepPath: z.boolean() }).nullable(),
    options: siteOptionsSchema,
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Website' });
export type Website = z.infer<typeof websiteSchema>;

export const websiteListQuerySchema = z
  .object({
    search: z.string().max(253).optional(),
    type: z.enum(siteTypes).optional(),
    sort: z.enum(['domain', 'type', 'created']).default('domain'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const websiteListSchema = z.object({
  websites: z.array(websiteSchema),
  total: z.number().int(),
});

export const websitePatchSchema = z
  .object({
    enabled: z.boolean().optional(),
    options: siteOptionsSchema.optional(),
    domains: domainsSchema.optional(),
  })
  .strict();

export const websiteDeleteQuerySchema = z
  .object({ keepFiles: z.enum(['true', 'false']).default('true') })
  .strict();

export const certificateSources = ['letsencrypt', 'custom'] as const;
export type CertificateSource = (typeof certificateSources)[number];

/** A site's HTTPS: where its certificate comes from, and the switches that go with it. */
export const siteTlsSchema = z
  .object({
    source: z.enum(certificateSources),
    /** Port 80 answers 301 to https:// (except Let's Encrypt's challenge path). */
    forceHttps: z.boolean().default(false),
    /** Strict-Transport-Security on HTTPS answers (browsers then refuse plain HTTP for a year). */
    hsts: z.boolean().default(false),
  })
  .strict();
export type SiteTls = z.infer<typeof siteTlsSchema>;

/** What the agent renders and applies: the site with every choice made. */
export const siteRecordSchema = z
  .object({
    id: z.uuid(),
    spec: siteSpecSchema,
    /** Disabled sites answer 503 with a maintenance page. */
    enabled: z.boolean(),
    /** HTTPS; absent or null: plain HTTP only. */
    tls: siteTlsSchema.nullable().optional(),
  })
  .strict();
export type SiteRecord = z.infer<typeof siteRecordSchema>;

/**
 * Where a static or PHP site's files live: the root it was given under the web root, else a folder
 * named after its first domain. Both tiers compute it the same way; null for the other types.
 */
export function siteRoot(webRoot: string, spec: SiteSpec): string | null {
  if (spec.type !== 'static' && spec.type !== 'php') return null;
  const name = spec.root ?? spec.domains[0]!.replace(/^\*\./, '_wildcard.');
  return `${webRoot.replace(/\/+$/, '')}/${name}`;
}

/** How each site's files on disk compare with what Diwan would write. */
export const siteDriftSchema = z
  .object({
    sites: z.array(
      z.object({ id: z.string(), state: z.enum(['ok', 'changed', 'missing']), file: z.string() }),
    ),
    /** Files in Diwan's sites directory that no site record names. */
    orphans: z.array(z.string()),
  })
  .meta({ id: 'WebsiteDrift' });
export type SiteDrift = z.infer<typeof siteDriftSchema>;

/** Whether text holds a control character (a newline, NUL, DEL…). */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const logSearchSchema = z
  .string()
  .max(200)
  .refine((text) => !hasControl(text), 'must be plain text on one line')
  .optional();

/** The query string of `GET /websites/{id}/logs` (numbers arrive as text). */
export const websiteLogQuerySchema = z
  .object({
    kind: z.enum(['access', 'error']).default('access'),
    lines: z.coerce.number().int().min(1).max(1000).default(100),
    /** Only lines containing this text (any case). */
    search: logSearchSchema,
  })
  .strict();

/** The same for the agent, which takes real numbers only. */
export const websiteLogInputSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['access', 'error']),
    lines: z.number().int().min(1).max(1000),
    search: logSearchSchema,
  })
  .strict();

/** One step of following a log: the lines added since `offset`, or, with no offset, the last 100. */
export const websiteLogFollowInputSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['access', 'error']),
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
  })
  .strict();
export const websiteLogFollowSchema = z.object({ offset: z.number(), lines: z.array(z.string()) });

export const websiteLogSchema = z.object({
  /** The file the lines come from (and its rotated predecessor). */
  file: z.string(),
  lines: z.array(z.string()),
});

/** PEM text: one or more BEGIN/END blocks of the given labels, base64 inside, nothing else but whitespace. */
function pemSchema(labels: readonly string[], what: string) {
  const block = /-----BEGIN ([A-Z ]{1,40})-----\r?\n([A-Za-z0-9+/=\r\n]{1,60000})-----END \1-----/g;
  return z
    .string()
    .max(64 * 1024)
    .refine((text) => {
      let count = 0;
      for (const match of text.matchAll(block)) {
        if (!labels.includes(match[1]!)) return false;
        count += 1;
      }
      return count > 0 && text.replace(block, '').trim() === '';
    }, `must be ${what} in PEM form (-----BEGIN ${labels[0]}-----)`);
}

/**
 * A certificate pasted or uploaded by the site's owner: the chain (the site's certificate first,
 * then the intermediates) and its private key, both PEM.
 */
export const customCertificateSchema = z
  .object({
    chain: pemSchema(['CERTIFICATE'], 'the certificate chain'),
    key: pemSchema(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'], 'the private key'),
  })
  .strict();
export type CustomCertificate = z.infer<typeof customCertificateSchema>;

/** What a certificate on disk says. */
export const certificateInfoSchema = z.object({
  issuer: z.string(),
  domains: z.array(z.string()),
  notBefore: z.string(),
  notAfter: z.string(),
  serial: z.string(),
});
export type CertificateInfo = z.infer<typeof certificateInfoSchema>;

/** A site's HTTPS as the API shows it: null when the site has none. */
export const siteCertificateSchema = z
  .object({
    source: z.enum(certificateSources),
    forceHttps: z.boolean(),
    hsts: z.boolean(),
    issuer: z.string(),
    domains: z.array(z.string()),
    notBefore: z.string(),
    notAfter: z.string(),
    /** Whole days until it expires (negative once it has). */
    daysLeft: z.number().int(),
    serial: z.string(),
    /** Why the last renewal failed, until one succeeds. */
    lastError: z.string().nullable(),
  })
  .meta({ id: 'WebsiteCertificate' });
export type SiteCertificate = z.infer<typeof siteCertificateSchema>;

/** `PUT /websites/{id}/certificate`: a Let's Encrypt certificate, or a custom one with its PEMs. */
export const certificateRequestSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('letsencrypt'),
      forceHttps: z.boolean().default(false),
      hsts: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      source: z.literal('custom'),
      chain: customCertificateSchema.shape.chain,
      key: customCertificateSchema.shape.key,
      forceHttps: z.boolean().default(false),
      hsts: z.boolean().default(false),
    })
    .strict(),
]);
export type CertificateRequest = z.infer<typeof certificateRequestSchema>;

/** `PATCH /websites/{id}/certificate`: the switches only. */
export const certificatePatchSchema = z
  .object({ forceHttps: z.boolean().optional(), hsts: z.boolean().optional() })
  .strict();
