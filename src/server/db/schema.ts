import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { TaskState } from '../../contract/tasks.js';

// Portability rules, so a store behaves the same on SQLite, MariaDB/MySQL and PostgreSQL:
// timestamps are epoch milliseconds (BIGINT, read back as JS numbers); booleans are 0/1 integers;
// ids are application-made strings (crypto.randomUUID()) except in append-only logs, which need an
// order key; JSON is stored as TEXT and parsed by the store.

/** A boolean column: 0 or 1 (a CHECK constraint keeps it so). */
export type Flag = 0 | 1;
/** Epoch milliseconds. */
export type Millis = number;
/** A JSON document stored as TEXT. */
export type JsonText = string;

export const apiTokenScopes = ['read', 'admin'] as const;
export type ApiTokenScope = (typeof apiTokenScopes)[number];

export { taskStates, type TaskState } from '../../contract/tasks.js';

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Millis;
}

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  totp_secret: string | null;
  totp_enabled: Generated<Flag>;
  locale: string | null;
  must_change_password: Generated<Flag>;
  disabled: Generated<Flag>;
  failed_logins: Generated<number>;
  /** The TOTP time step of the last code accepted: a code is good once. */
  totp_last_step: number | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  scope: ApiTokenScope;
  /** JSON array of IPs and CIDRs; null means any address. */
  allowed_ips: JsonText | null;
  expires_at: Millis | null;
  last_used_at: Millis | null;
  created_at: Millis;
  revoked_at: Millis | null;
}

export interface AuditLogTable {
  /** Order key: audit entries are read back in the order they were written. */
  id: Generated<number>;
  at: Millis;
  /** 'user' | 'token' | 'system' … */
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  ip: string | null;
  action: string;
  target: string | null;
  /** 'success' | 'failure' | 'denied' … */
  outcome: string;
  details: JsonText | null;
  request_id: string | null;
}

export interface TasksTable {
  id: string;
  kind: string;
  title: string;
  state: TaskState;
  /** 0..100 */
  progress: Generated<number>;
  created_by: string | null;
  created_at: Millis;
  started_at: Millis | null;
  finished_at: Millis | null;
  error: string | null;
  input: JsonText;
  result: JsonText | null;
  /** The web instance running it, and when that instance last said it still does. */
  owner: string | null;
  heartbeat_at: Millis | null;
}

export interface TaskLogsTable {
  task_id: string;
  /** Order of the line within its task, from 1. */
  seq: number;
  at: Millis;
  /** 'stdout' | 'stderr' | 'info' … */
  stream: string;
  line: string;
}

export interface RecoveryCodesTable {
  user_id: string;
  /** sha256 hex of the normalized code. */
  code_hash: string;
  created_at: Millis;
  used_at: Millis | null;
}

export interface LoginThrottleTable {
  /** `ip:<address>` or `user:<username>`. */
  key: string;
  window_start: Millis;
  failures: number;
  locked_until: Millis | null;
}

export interface WebsitesTable {
  id: string;
  /** 'static' | 'php' | 'proxy' | 'redirect' */
  type: string;
  primary_domain: string;
  /** Absolute folder of a static or PHP site. */
  root: string | null;
  /** The contract's SiteSpec as JSON. */
  spec: JsonText;
  enabled: Generated<Flag>;
  created_by: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface WebsiteDomainsTable {
  /** Lower case, punycode. */
  domain: string;
  website_id: string;
}

export interface WebsiteCertificatesTable {
  website_id: string;
  /** 'letsencrypt' | 'custom' */
  source: string;
  force_https: Generated<Flag>;
  hsts: Generated<Flag>;
  issuer: string;
  /** JSON array of the names the certificate covers. */
  domains: JsonText;
  serial: string;
  not_before: Millis;
  not_after: Millis;
  /** Why the last renewal failed; null after a success. */
  last_error: string | null;
  updated_at: Millis;
}

export interface DatabasesTable {
  id: string;
  engine: 'mariadb' | 'postgresql';
  name: string;
  charset: string | null;
  collation: string | null;
  created_by: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface DatabaseUsersTable {
  id: string;
  engine: 'mariadb' | 'postgresql';
  username: string;
  /** JSON array of MariaDB hosts; `[]` for PostgreSQL roles. */
  hosts: JsonText;
  /** The password, sealed by the secret box with context `database-user:<id>`. */
  password_sealed: string;
  remote_access: Generated<Flag>;
  created_at: Millis;
  updated_at: Millis;
}

export interface DatabaseGrantsTable {
  database_id: string;
  user_id: string;
  /** 1 for the user made with the database (its owner on PostgreSQL). */
  owner: Generated<Flag>;
  created_at: Millis;
}

export interface Database {
  settings: SettingsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  tasks: TasksTable;
  task_logs: TaskLogsTable;
  recovery_codes: RecoveryCodesTable;
  login_throttle: LoginThrottleTable;
  websites: WebsitesTable;
  website_domains: WebsiteDomainsTable;
  website_certificates: WebsiteCertificatesTable;
  databases: DatabasesTable;
  database_users: DatabaseUsersTable;
  database_grants: DatabaseGrantsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type NewApiToken = Insertable<ApiTokensTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
export type Task = Selectable<TasksTable>;
export type NewTask = Insertable<TasksTable>;
export type TaskUpdate = Updateable<TasksTable>;
export type TaskLogLine = Selectable<TaskLogsTable>;
export type DatabaseRecord = Selectable<DatabasesTable>;
export type DatabaseUserRecord = Selectable<DatabaseUsersTable>;
