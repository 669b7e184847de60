import type { Kysely } from 'kysely';
import { domainToASCII } from 'node:url';
import { DiwanError } from '../../../contract/errors.js';
import { siteSpecSchema, type SiteRecord, type SiteSpec, type Website } from '../../../contract/websites.js';
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
        await trx.deleteFrom('website_domains').where('website_id', '=', id).execute();
        await trx.deleteFrom('websites').where('id', '=', id).execute();
      });
    },

    /** Every site as the agent renders it, for the drift check. */
    async records(): Promise<SiteRecord[]> {
      const rows = await db.selectFrom('websites').select(['id', 'spec', 'enabled']).orderBy('id').execute();
      return rows.map((row) => ({
        id: row.id,
        spec: siteSpecSchema.parse(JSON.parse(row.spec)),
        enabled: row.enabled === 1,
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
