import { sql, type Kysely } from 'kysely';
import type { AuditActorType, AuditOutcome } from '../../contract/audit.js';
import type { AuditEntry, Database } from '../db/schema.js';

export type { AuditOutcome };

export interface AuditEvent {
  actorType: AuditActorType;
  actorId?: string | null;
  actorName?: string | null;
  ip?: string | null;
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
  requestId?: string | null;
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  outcome?: AuditOutcome;
  from?: number;
  to?: number;
  /** Entries older than this id (the previous page's last id). */
  before?: number;
  limit: number;
}

/** Keys whose values never reach the audit log, however a caller builds `details`. */
const SECRET_KEY = /pass|secret|token|totp|recovery|code|cookie|authorization/i;

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) ? '[redacted]' : scrub(inner, depth + 1),
    ]),
  );
}

export function createAuditLog(db: Kysely<Database>, now: () => number) {
  return {
    async record(event: AuditEvent): Promise<void> {
      await db
        .insertInto('audit_log')
        .values({
          at: now(),
          actor_type: event.actorType,
          actor_id: event.actorId ?? null,
          actor_name: event.actorName?.slice(0, 128) ?? null,
          ip: event.ip ?? null,
          action: event.action.slice(0, 128),
          target: event.target?.slice(0, 255) ?? null,
          outcome: event.outcome,
          details: event.details ? JSON.stringify(scrub(event.details)) : null,
          request_id: event.requestId ?? null,
        })
        .execute();
    },
    /** Newest first, `limit` entries older than `before`; filters combine with AND. */
    async list(query: AuditQuery): Promise<AuditEntry[]> {
      let select = db.selectFrom('audit_log').selectAll();
      if (query.action)
        select = select.where(sql<boolean>`action like ${`${escapeLike(query.action)}%`} escape '!'`);
      if (query.actor) select = select.where('actor_name', '=', query.actor);
      if (query.outcome) select = select.where('outcome', '=', query.outcome);
      if (query.from !== undefined) select = select.where('at', '>=', query.from);
      if (query.to !== undefined) select = select.where('at', '<', query.to);
      if (query.before !== undefined) select = select.where('id', '<', query.before);
      return select.orderBy('id', 'desc').limit(query.limit).execute();
    },
  };
}

/** `%` and `_` in a filter are literal characters, not wildcards. `!` escapes alike on all three
 * dialects; a backslash does not (SQLite has no default escape, MySQL reads it in the literal). */
function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

export type AuditLog = ReturnType<typeof createAuditLog>;
