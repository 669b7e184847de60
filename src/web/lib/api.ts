import type { z } from 'zod';
import type { auditPageSchema, auditQuerySchema } from '../../contract/audit.js';
import type {
  changePasswordBodySchema,
  loginBodySchema,
  mePatchSchema,
  meSchema,
  sessionSchema,
} from '../../contract/auth.js';
import type { hostInfoSchema } from '../../contract/agent-ops.js';
import type {
  createDatabaseBodySchema,
  createDatabaseUserBodySchema,
  createdDatabaseSchema,
  databaseDetailSchema,
  databaseSchema,
  databaseUserSchema,
  DatabaseEngine,
  engineUserSchema,
  exportFileSchema,
  importBodySchema,
  redisStatusSchema,
  revealedPasswordSchema,
  unmanagedDatabaseSchema,
  updateDatabaseUserBodySchema,
  uploadSchema,
} from '../../contract/databases.js';
import type { ErrorBody, ErrorCode } from '../../contract/errors.js';
import type { securitySettingsPatchSchema, securitySettingsSchema } from '../../contract/settings.js';
import type {
  ServiceAction,
  softwareListSchema,
  softwareLogSchema,
  SoftwareStatus,
} from '../../contract/software.js';
import type { taskPageSchema, taskQuerySchema, taskSchema } from '../../contract/tasks.js';
import type { apiTokenSchema, createdTokenSchema, createTokenBodySchema } from '../../contract/tokens.js';
import type {
  certificateRequestSchema,
  siteCertificateSchema,
  siteSpecSchema,
  websiteListQuerySchema,
  websiteListSchema,
  websitePatchSchema,
  websiteSchema,
} from '../../contract/websites.js';

// Every type here is inferred from the contract's schemas (type-only imports: no zod in the bundle);
// the server validates, and the UI shows its errors by code and field.
export type Me = z.infer<typeof meSchema>;
export type LoginBody = z.input<typeof loginBodySchema>;
export type Session = z.infer<typeof sessionSchema>;
export type ApiToken = z.infer<typeof apiTokenSchema>;
export type CreatedApiToken = z.infer<typeof createdTokenSchema>;
export type CreateTokenBody = z.input<typeof createTokenBodySchema>;
export type AuditQuery = z.input<typeof auditQuerySchema>;
export type AuditPage = z.infer<typeof auditPageSchema>;
export type SecuritySettings = z.infer<typeof securitySettingsSchema>;
export type SecuritySettingsPatch = z.input<typeof securitySettingsPatchSchema>;
export type HostInfo = z.infer<typeof hostInfoSchema>;
export type SoftwareList = z.infer<typeof softwareListSchema>;
export type SoftwareLog = z.infer<typeof softwareLogSchema>;
export type Task = z.infer<typeof taskSchema>;
export type TaskQuery = z.input<typeof taskQuerySchema>;
export type TaskPage = z.infer<typeof taskPageSchema>;
export type { ServiceAction, SoftwareStatus };
export type Database = z.infer<typeof databaseSchema>;
export type CreatedDatabase = z.infer<typeof createdDatabaseSchema>;
export type CreateDatabaseBody = z.input<typeof createDatabaseBodySchema>;
export type { DatabaseEngine };
export type DatabaseDetail = z.infer<typeof databaseDetailSchema>;
export type UnmanagedDatabase = z.infer<typeof unmanagedDatabaseSchema>;
export type DatabaseUser = z.infer<typeof databaseUserSchema>;
/** A user as a change answers it: the password once, when Diwan made it. */
export type DatabaseUserWithPassword = DatabaseUser & { password?: string };
export type EngineUser = z.infer<typeof engineUserSchema>;
export type CreateDatabaseUserBody = z.input<typeof createDatabaseUserBodySchema>;
export type UpdateDatabaseUserBody = z.input<typeof updateDatabaseUserBodySchema>;
export type ExportFile = z.infer<typeof exportFileSchema>;
export type ImportBody = z.input<typeof importBodySchema>;
export type DumpUpload = z.infer<typeof uploadSchema>;
export type RevealedPassword = z.infer<typeof revealedPasswordSchema>;
export type RedisStatus = z.infer<typeof redisStatusSchema>;
export type Website = z.infer<typeof websiteSchema>;
export type WebsiteList = z.infer<typeof websiteListSchema>;
export type WebsiteQuery = z.input<typeof websiteListQuerySchema>;
export type SiteSpecInput = z.input<typeof siteSpecSchema>;
export type WebsitePatch = z.input<typeof websitePatchSchema>;
export type SiteCertificate = z.infer<typeof siteCertificateSchema>;
export type CertificateRequest = z.input<typeof certificateRequestSchema>;

/** A failed call: the server's stable code and field, or NETWORK when it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const BASE = '/api/v1';
let csrfToken: string | null = null;
/** Called with every `Me` the server sends: state-changing requests carry its CSRF token. */
export function rememberCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Query = Record<string, string | number | undefined>;

/** A body sent as it is (a file), not as JSON. */
class RawBody {
  constructor(
    readonly data: Blob,
    readonly type: string,
  ) {}
}

async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = {};
  if (body instanceof RawBody) headers['content-type'] = body.type;
  else if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let url = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    if ([...params].length > 0) url += `?${params}`;
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body instanceof RawBody
        ? { body: body.data }
        : body !== undefined
          ? { body: JSON.stringify(body) }
          : {}),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached');
  }
  if (response.ok) return (await response.json()) as T;
  // Without a session the server answers a bare 404 (text): the perimeter hides everything.
  const parsed = (await response.json().catch(() => null)) as ErrorBody | null;
  const error = parsed?.error;
  throw new ApiError(
    response.status,
    error?.code ?? (response.status === 404 ? 'DIWAN_E_NOT_FOUND' : 'DIWAN_E_INTERNAL'),
    error?.message ?? response.statusText,
    error?.field,
  );
}

export const api = {
  /** Who is logged in, or null without a live session. */
  async me(): Promise<Me | null> {
    try {
      return await request<Me>('GET', '/auth/me');
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return null;
      throw error;
    }
  },
  login: (body: LoginBody) => request<Me>('POST', '/auth/login', body),
  logout: () => request<{ ok: true }>('POST', '/auth/logout'),
  updateMe: (body: z.input<typeof mePatchSchema>) => request<Me>('PATCH', '/auth/me', body),
  changePassword: (body: z.input<typeof changePasswordBodySchema>) =>
    request<{ ok: true }>('POST', '/auth/password', body),
  sessions: () => request<Session[]>('GET', '/auth/sessions'),
  revokeSession: (id: string) => request<{ ok: true }>('DELETE', `/auth/sessions/${encodeURIComponent(id)}`),
  revokeOtherSessions: () => request<{ revoked: number }>('POST', '/auth/sessions/revoke-others'),
  twoFactor: () => request<{ enabled: boolean; remainingRecoveryCodes: number }>('GET', '/auth/2fa'),
  twoFactorSetup: () => request<{ secret: string; uri: string; qrSvg: string }>('POST', '/auth/2fa/setup'),
  twoFactorEnable: (code: string) =>
    request<{ recoveryCodes: string[] }>('POST', '/auth/2fa/enable', { code }),
  twoFactorDisable: (code: string) => request<{ ok: true }>('POST', '/auth/2fa/disable', { code }),
  tokens: () => request<ApiToken[]>('GET', '/tokens'),
  createToken: (body: CreateTokenBody) => request<CreatedApiToken>('POST', '/tokens', body),
  revokeToken: (id: string) => request<{ ok: true }>('DELETE', `/tokens/${encodeURIComponent(id)}`),
  securitySettings: () => request<SecuritySettings>('GET', '/settings/security'),
  updateSecuritySettings: (body: SecuritySettingsPatch) =>
    request<SecuritySettings>('PATCH', '/settings/security', body),
  audit: (query: AuditQuery) => request<AuditPage>('GET', '/audit', undefined, query as Query),
  systemInfo: () => request<HostInfo>('GET', '/system/info'),
  tasks: (query: TaskQuery) => request<TaskPage>('GET', '/tasks', undefined, query as Query),
  software: () => request<SoftwareList>('GET', '/software'),
  /** Install or uninstall: a task (202) whose progress and log follow on the live socket. */
  softwarePackage: (name: string, action: 'install' | 'uninstall', version?: string) =>
    request<Task>('POST', `/software/${encodeURIComponent(name)}/${action}`, version ? { version } : {}),
  softwareService: (name: string, action: ServiceAction, version?: string) =>
    request<SoftwareStatus>(
      'POST',
      `/software/${encodeURIComponent(name)}/${action}`,
      version ? { version } : {},
    ),
  websites: (query: WebsiteQuery) => request<WebsiteList>('GET', '/websites', undefined, query as Query),
  website: (id: string) => request<Website>('GET', `/websites/${encodeURIComponent(id)}`),
  /** Answers once nginx serves the site (201), or with nginx's own words in the error. */
  createWebsite: (spec: SiteSpecInput) =>
    request<Website & { taskId: string; note: string | null }>('POST', '/websites', spec),
  updateWebsite: (id: string, patch: WebsitePatch) =>
    request<Website & { taskId: string }>('PATCH', `/websites/${encodeURIComponent(id)}`, patch),
  deleteWebsite: (id: string, keepFiles: boolean) =>
    request<{ removedFiles: boolean; taskId: string }>(
      'DELETE',
      `/websites/${encodeURIComponent(id)}`,
      undefined,
      {
        keepFiles: String(keepFiles),
      },
    ),
  websiteCertificate: (id: string) =>
    request<{ certificate: SiteCertificate | null }>(
      'GET',
      `/websites/${encodeURIComponent(id)}/certificate`,
    ),
  /** Let's Encrypt: 202 with the task to follow; custom: once nginx serves it, or the field at fault. */
  putWebsiteCertificate: (id: string, body: CertificateRequest) =>
    request<{ certificate: SiteCertificate | null; taskId: string }>(
      'PUT',
      `/websites/${encodeURIComponent(id)}/certificate`,
      body,
    ),
  patchWebsiteCertificate: (id: string, patch: { forceHttps?: boolean; hsts?: boolean }) =>
    request<{ certificate: SiteCertificate | null; taskId: string }>(
      'PATCH',
      `/websites/${encodeURIComponent(id)}/certificate`,
      patch,
    ),
  deleteWebsiteCertificate: (id: string) =>
    request<{ taskId: string }>('DELETE', `/websites/${encodeURIComponent(id)}/certificate`),
  renewWebsiteCertificate: (id: string) =>
    request<{ taskId: string }>('POST', `/websites/${encodeURIComponent(id)}/certificate/renew`),
  websiteConfig: (id: string) =>
    request<{ files: { path: string; content: string }[] }>(
      'GET',
      `/websites/${encodeURIComponent(id)}/config`,
    ),
  databases: (engine: DatabaseEngine) =>
    request<{ databases: Database[] }>('GET', '/databases', undefined, { engine }),
  /** The password comes back once, when Diwan generated it. */
  createDatabase: (body: CreateDatabaseBody) => request<CreatedDatabase>('POST', '/databases', body),
  /** Confirmed by naming the database again. */
  deleteDatabase: (id: string, name: string) =>
    request<unknown>('DELETE', `/databases/${encodeURIComponent(id)}`, undefined, { confirm: name }),
  database: (id: string) => request<DatabaseDetail>('GET', `/databases/${encodeURIComponent(id)}`),
  /** Databases on the server that Diwan does not manage yet. */
  unmanagedDatabases: (engine: DatabaseEngine) =>
    request<{ databases: UnmanagedDatabase[] }>('GET', '/databases/unmanaged', undefined, { engine }),
  /** Takes one of them into Diwan's list; its users stay as they are. */
  adoptDatabase: (engine: DatabaseEngine, name: string) =>
    request<DatabaseDetail>('POST', '/databases/adopt', { engine, name }),
  /** Every user of an engine, with the databases it has: the candidates for a grant. */
  engineUsers: (engine: DatabaseEngine) =>
    request<{ users: EngineUser[] }>('GET', '/databases/users', undefined, { engine }),
  createDatabaseUser: (id: string, body: CreateDatabaseUserBody) =>
    request<DatabaseUserWithPassword>('POST', `/databases/${encodeURIComponent(id)}/users`, body),
  updateDatabaseUser: (id: string, userId: string, body: UpdateDatabaseUserBody) =>
    request<DatabaseUserWithPassword>(
      'PATCH',
      `/databases/${encodeURIComponent(id)}/users/${encodeURIComponent(userId)}`,
      body,
    ),
  grantDatabaseUser: (id: string, userId: string) =>
    request<DatabaseUser>('PUT', `/databases/${encodeURIComponent(id)}/grants/${encodeURIComponent(userId)}`),
  revokeDatabaseUser: (id: string, userId: string) =>
    request<{ ok: true }>(
      'DELETE',
      `/databases/${encodeURIComponent(id)}/grants/${encodeURIComponent(userId)}`,
    ),
  /** Audited on the server, each time. */
  revealDatabasePassword: (id: string, userId: string) =>
    request<RevealedPassword>(
      'POST',
      `/databases/${encodeURIComponent(id)}/users/${encodeURIComponent(userId)}/reveal-password`,
    ),
  /** A task (202); its result names the file to download. */
  exportDatabase: (id: string) => request<Task>('POST', `/databases/${encodeURIComponent(id)}/export`),
  databaseExports: (id: string) =>
    request<{ exports: ExportFile[] }>('GET', `/databases/${encodeURIComponent(id)}/exports`),
  /** Where the browser downloads a dump (the session cookie goes with it). */
  databaseExportUrl: (id: string, file: string) =>
    `${BASE}/databases/${encodeURIComponent(id)}/exports/${encodeURIComponent(file)}`,
  deleteDatabaseExport: (id: string, file: string) =>
    request<{ ok: true }>(
      'DELETE',
      `/databases/${encodeURIComponent(id)}/exports/${encodeURIComponent(file)}`,
    ),
  /** The dump as the raw body, streamed to the server's disk. */
  uploadDump: (file: Blob) =>
    request<DumpUpload>('POST', '/databases/uploads', new RawBody(file, 'application/octet-stream')),
  importDatabase: (id: string, body: ImportBody) =>
    request<Task>('POST', `/databases/${encodeURIComponent(id)}/import`, body),
  redis: () => request<RedisStatus>('GET', '/redis'),
  /** A blank password is generated by the server and comes back once. */
  setRedisPassword: (password?: string) =>
    request<{ status: RedisStatus; password?: string }>(
      'POST',
      '/redis/password',
      password ? { password } : {},
    ),
  websiteLogs: (id: string, kind: 'access' | 'error', search: string) =>
    request<{ file: string; lines: string[] }>('GET', `/websites/${encodeURIComponent(id)}/logs`, undefined, {
      kind,
      lines: 200,
      ...(search ? { search } : {}),
    }),
  softwareLogs: (name: string, lines = 200) =>
    request<SoftwareLog>('GET', `/software/${encodeURIComponent(name)}/logs`, undefined, { lines }),
};
