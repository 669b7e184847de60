import type { Kysely } from 'kysely';
import { domainToASCII } from 'node:url';
import { DiwanError } from '../../../contract/errors.js';
import {
  siteSpecSchema,
  type CertificateInfo,
  type SiteCertificate,
  type SiteRecord,
  type SiteSpec,
  type SiteTls,
  type Website,
} from '../../../contract/websites.js';
import type { Database } from '../../db/schema.js';
import { withoutPasswords } from './passwords.js';

export interface WebsiteListQuery {
  search?: string;
  type?: SiteSpec['type'];
  sort: 'domain' | 'type' | 'created';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

type Row = {
  id: string;
  type: string;
  root: string | null;
  spec: string;
  enabled: number;
  created_at: number;
  updated_at: number;
};

function toWebsite(row: Row): Website {
  const spec = siteSpecSchema.parse(JSON.parse(row.spec));
  return {
    id: row.id,
    type: spec.type,
    domains: spec.domains,
    root: row.root,
    phpVersion: spec.type === 'php' ? spec.phpVersion : null,
    upstream: spec.type === 'proxy' ? spec.upstream : null,
    redirect: spec.type === 'redirect' ? spec.redirect : null,
    options: withoutPasswords(spec.options),
    enabled: row.enabled === 1,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

/** The panel's record of its websites; the host's files are the agent's business. */
export function createWebsiteStore(db: Kysely<Database>, now: () => number) {
  const columns = ['id', 'type', 'root', 'spec', 'enabled', 'created_at', 'updated_at'] as const;

  /** Which of these domains another site already has (none when `except` owns them). */
  async function takenDomains(domains: string[], except?: string): Promise<string[]> {
    if (domains.length === 0) return [];
    let query = db.selectFrom('website_domains').select('domain').where('domain', 'in', domains);
    if (except) query = query.where('website_id', '!=', except);
    return (await query.execute()).map((row) => row.domain);
  }

  async function refuseTaken(spec: SiteSpec, root: string | null, except?: string): Promise<void> {
    const taken = await takenDomains(spec.domains, except);
    if (taken.length > 0)
      throw new DiwanError(
        'DIWAN_E_CONFLICT',
        `domains: ${taken.join(', ')} already belong to a site`,
        'domains',
      );
    if (root !== null) {
      let query = db.selectFrom('websites').select('id').where('root', '=', root);
      if (except) query = query.where('id', '!=', except);
      if (await query.executeTakeFirst())
        throw new DiwanError('DIWAN_E_CONFLICT', `root: ${root} is already another site's folder`, 'root');
    }
  }

  return {
    refuseTaken,

    async insert(id: string, spec: SiteSpec, root: string | null, createdBy: string | null): Promise<void> {
      await refuseTaken(spec, root);
      const at = now();
      try {
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('websites')
            .values({
              id,
              type: spec.type,
              primary_domain: spec.domains[0]!,
              root,
              spec: JSON.stringify(spec),
              enabled: 1,
              created_by: createdBy,
              created_at: at,
              updated_at: at,
            })
            .execute();
          await trx
            .insertInto('website_domains')
            .values(spec.domains.map((domain) => ({ domain, website_id: id })))
            .execute();
        });
      } catch (error) {
        // Another request took a domain or the root between the check and the insert.
        await refuseTaken(spec, root);
        throw error;
      }
    },

    async update(id: string, spec: SiteSpec, enabled: boolean): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('websites')
          .set({
            primary_domain: spec.domains[0]!,
            spec: JSON.stringify(spec),
            enabled: enabled ? 1 : 0,
            updated_at: now(),
          })
          .where('id', '=', id)
          .execute();
        await trx.deleteFrom('website_domains').where('website_id', '=', id).execute();
        await trx
          .insertInto('website_domains')
          .values(spec.domains.map((domain) => ({ domain, website_id: id })))
          .execute();
      });
    },

    async remove(id: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('website_certificates').where('website_id', '=', id).execute();
        await trx.deleteFrom('website_domains').where('website_id', '=', id).execute();
        await trx.deleteFrom('websites').where('id', '=', id).execute();
      });
    },

    /** Every site as the agent renders it, for the drift check. */
    async records(): Promise<SiteRecord[]> {
      const rows = await db
        .selectFrom('websites')
        .leftJoin('website_certificates', 'website_certificates.website_id', 'websites.id')
        .select([
          'websites.id',
          'websites.spec',
          'websites.enabled',
          'website_certificates.source',
          'website_certificates.force_https',
          'website_certificates.hsts',
        ])
        .orderBy('websites.id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        spec: siteSpecSchema.parse(JSON.parse(row.spec)),
        enabled: Number(row.enabled) === 1,
        tls:
          row.source === null
            ? null
            : {
                source: row.source as SiteTls['source'],
                forceHttps: Number(row.force_https) === 1,
                hsts: Number(row.hsts) === 1,
              },
      }));
    },

    async get(id: string): Promise<{ website: Website; spec: SiteSpec } | null> {
      const row = await db.selectFrom('websites').select(columns).where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      const website = toWebsite(row);
      return { website, spec: siteSpecSchema.parse(JSON.parse(row.spec)) };
    },

    async list(query: WebsiteListQuery): Promise<{ websites: Website[]; total: number }> {
      let base = db.selectFrom('websites');
      if (query.type) base = base.where('type', '=', query.type);
      if (query.search) {
        // Stored domains hold only [a-z0-9.*-] (punycode): so does the pattern, with no LIKE wildcard.
        const ascii = domainToASCII(query.search) || query.search.toLowerCase();
        const pattern = `%${ascii.replace(/[^a-z0-9.*-]/g, '')}%`;
        base = base.where((eb) =>
          eb.exists(
            eb
              .selectFrom('website_domains')
              .select('website_domains.domain')
              .whereRef('website_domains.website_id', '=', 'websites.id')
              .where((inner) => inner('website_domains.domain', 'like', pattern)),
          ),
        );
      }
      const sortColumn =
        query.sort === 'type' ? 'type' : query.sort === 'created' ? 'created_at' : 'primary_domain';
      const [rows, count] = await Promise.all([
        base
          .select(columns)
          .orderBy(sortColumn, query.order)
          .orderBy('id')
          .limit(query.limit)
          .offset(query.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { websites: rows.map(toWebsite), total: Number(count.n) };
    },
  };
}

export type WebsiteStore = ReturnType<typeof createWebsiteStore>;

const DAY_MS = 86_400_000;

type CertificateRow = {
  website_id: string;
  source: string;
  force_https: number;
  hsts: number;
  issuer: string;
  domains: string;
  serial: string;
  not_before: number;
  not_after: number;
  last_error: string | null;
};

function tlsOf(row: CertificateRow): SiteTls {
  return {
    source: row.source as SiteTls['source'],
    forceHttps: Number(row.force_https) === 1,
    hsts: Number(row.hsts) === 1,
  };
}

/** Each site's HTTPS: its switches and what its certificate says (the files are the agent's). */
export function createCertificateStore(db: Kysely<Database>, now: () => number) {
  const columns = [
    'website_id',
    'source',
    'force_https',
    'hsts',
    'issuer',
    'domains',
    'serial',
    'not_before',
    'not_after',
    'last_error',
  ] as const;

  function toView(row: CertificateRow): SiteCertificate {
    const notAfter = Number(row.not_after);
    return {
      ...tlsOf(row),
      issuer: row.issuer,
      domains: JSON.parse(row.domains) as string[],
      notBefore: new Date(Number(row.not_before)).toISOString(),
      notAfter: new Date(notAfter).toISOString(),
      daysLeft: Math.floor((notAfter - now()) / DAY_MS),
      serial: row.serial,
      lastError: row.last_error,
    };
  }

  async function row(id: string): Promise<CertificateRow | undefined> {
    return db
      .selectFrom('website_certificates')
      .select(columns)
      .where('website_id', '=', id)
      .executeTakeFirst();
  }

  return {
    async get(id: string): Promise<SiteCertificate | null> {
      const found = await row(id);
      return found ? toView(found) : null;
    },

    async tls(id: string): Promise<SiteTls | null> {
      const found = await row(id);
      return found ? tlsOf(found) : null;
    },

    /** Every site's HTTPS, for the records the agent renders. */
    async allTls(): Promise<Map<string, SiteTls>> {
      const rows = await db.selectFrom('website_certificates').select(columns).execute();
      return new Map(rows.map((entry) => [entry.website_id, tlsOf(entry)]));
    },

    /** Records what the agent now serves (after a change it made). */
    async save(id: string, tls: SiteTls, certificate: CertificateInfo): Promise<void> {
      const values = {
        source: tls.source,
        force_https: (tls.forceHttps ? 1 : 0) as 0 | 1,
        hsts: (tls.hsts ? 1 : 0) as 0 | 1,
        issuer: certificate.issuer.slice(0, 500),
        domains: JSON.stringify(certificate.domains),
        serial: certificate.serial.slice(0, 128),
        not_before: Date.parse(certificate.notBefore),
        not_after: Date.parse(certificate.notAfter),
        last_error: null,
        updated_at: now(),
      };
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('website_certificates').where('website_id', '=', id).execute();
        await trx
          .insertInto('website_certificates')
          .values({ website_id: id, ...values })
          .execute();
      });
    },

    async remove(id: string): Promise<void> {
      await db.deleteFrom('website_certificates').where('website_id', '=', id).execute();
    },

    async recordError(id: string, message: string): Promise<void> {
      await db
        .updateTable('website_certificates')
        .set({ last_error: message.slice(0, 4000), updated_at: now() })
        .where('website_id', '=', id)
        .execute();
    },

    /** Let's Encrypt certificates that expire within `days` days: the renewal sweep's work. */
    async dueForRenewal(days: number): Promise<{ id: string; domain: string; notAfter: string }[]> {
      const rows = await db
        .selectFrom('website_certificates')
        .innerJoin('websites', 'websites.id', 'website_certificates.website_id')
        .select(['website_certificates.website_id as id', 'websites.primary_domain as domain', 'not_after'])
        .where('source', '=', 'letsencrypt')
        .where('not_after', '<', now() + days * DAY_MS)
        .orderBy('not_after')
        .execute();
      return rows.map((entry) => ({
        id: entry.id,
        domain: entry.domain,
        notAfter: new Date(Number(entry.not_after)).toISOString(),
      }));
    },
  };
}

export type CertificateStore = ReturnType<typeof createCertificateStore>;
