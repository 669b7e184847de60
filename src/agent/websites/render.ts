import { siteRoot, type SiteRecord, type SiteSpec } from '../../contract/websites.js';
import type { WebsitesConfig } from '../../server/config/types.js';

/**
 * Renders a site into nginx and PHP-FPM configuration. Pure: the same site, layout and nonce give
 * the same bytes (golden tests hold them). Every user value has passed the contract's allow-lists;
 * values are still written inside double quotes where nginx allows it.
 */

export interface RenderContext {
  layout: WebsitesConfig;
  /** Random per render: the path of the check location that proves this very file is being served. */
  nonce: string;
  /**
   * nginx 1.25.1 and later turn HTTP/2 on with `http2 on;` (and warn about `listen … http2`); older
   * ones (Debian 12 has 1.22) only know the listen parameter. The agent asks `nginx -v` once.
   */
  http2Directive?: boolean;
}

export const MANAGED_MARK = '# Managed by Diwan';

/** The path Diwan requests, with the site's Host, to know that nginx serves what it just wrote. */
export const checkPath = (nonce: string) => `/.well-known/diwan-${nonce}`;

export const sitesDirOf = (layout: WebsitesConfig) => `${layout.diwanDir}/sites`;
export const siteFileOf = (layout: WebsitesConfig, id: string) => `${sitesDirOf(layout)}/${id}.conf`;
export const poolFileOf = (layout: WebsitesConfig, version: string, id: string) =>
  `${layout.phpDir}/${version}/fpm/pool.d/diwan-${id}.conf`;
export const htpasswdFileOf = (layout: WebsitesConfig, id: string) => `${layout.diwanDir}/htpasswd/${id}`;
export const phpSocketOf = (layout: WebsitesConfig, id: string) => `${layout.phpRunDir}/diwan-${id}.sock`;
export const phpStateOf = (layout: WebsitesConfig, id: string) => `${layout.phpStateDir}/${id}`;
/** A site's certificate chain and key: root-only files (nginx's master reads them as root). */
export const certsDirOf = (layout: WebsitesConfig) => `${layout.diwanDir}/certs`;
export const certFileOf = (layout: WebsitesConfig, id: string) => `${certsDirOf(layout)}/${id}.crt`;
export const keyFileOf = (layout: WebsitesConfig, id: string) => `${certsDirOf(layout)}/${id}.key`;
/** The folder every Diwan vhost serves `/.well-known/acme-challenge/` from (HTTP-01 answers). */
export const challengeRootOf = (layout: WebsitesConfig) => `${layout.diwanDir}/acme/webroot`;
export const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';
/** The Linux user a PHP site runs as: short, unique enough, valid everywhere. */
export const siteUserOf = (id: string) => `diwan-site-${id.replace(/-/g, '').slice(0, 12)}`;

/** The file inside http {} that nginx's own configuration includes (conf.d on Debian). */
export function renderHook(layout: WebsitesConfig): string {
  return `${MANAGED_MARK}: the websites Diwan manages.\ninclude ${layout.diwanDir}/http.conf;\n`;
}

/** Diwan's http-level settings, then every site. */
export function renderHttp(layout: WebsitesConfig): string {
  return [
    `${MANAGED_MARK}. Changed only through Diwan.`,
    '# WebSocket upgrades through reverse-proxy sites.',
    'map $http_upgrade $diwan_connection_upgrade {',
    '    default upgrade;',
    "    '' close;",
    '}',
    `include ${sitesDirOf(layout)}/*.conf;`,
    '',
  ].join('\n');
}

const quote = (value: string) => `"${value}"`;

const MAINTENANCE_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>Maintenance</title></head>' +
  '<body><h1>This site is down for maintenance.</h1><p dir="rtl" lang="ar">هذا الموقع متوقف للصيانة.</p></body></html>';

/** The shared-memory zone of a site's request limit (http context, so named after the site). */
const zoneOf = (id: string) => `diwan_${id.replace(/-/g, '')}`;

/** The variable holding the login's realm for a URI, or `off` (http context: named after the site). */
const authVarOf = (id: string) => `$diwan_auth_${id.replace(/-/g, '')}`;

/** The map that turns the login on for the protected path only ($uri is decoded and normalized). */
function authMap(site: SiteRecord): string[] {
  const protection = site.spec.options.passwordProtection;
  if (!protection) return [];
  const realm = `"${protection.realm}"`;
  const lines =
    protection.path === '/'
      ? [`    default ${realm};`]
      : ['    default off;', `    "~^${protection.path.replace(/\./g, '\\.')}(/|$)" ${realm};`];
  return [`map $uri ${authVarOf(site.id)} {`, ...lines, '}'];
}

/** The users of a site's login, as nginx's auth_basic_user_file reads them. */
export function renderHtpasswd(site: SiteRecord): string {
  const users = site.spec.options.passwordProtection?.users ?? [];
  return users.map((user) => `${user.username}:${user.passwordHash}\n`).join('');
}

/** Limits, error pages and hotlink protection: what every type may carry. */
function extras(site: SiteRecord, root: string | null, htpasswdFile: string): string[] {
  const { options } = site.spec;
  const lines: string[] = [];
  if (options.rateLimit) {
    lines.push(
      // nginx takes no burst=0: without a burst, none is allowed.
      options.rateLimit.burst > 0
        ? `limit_req zone=${zoneOf(site.id)} burst=${options.rateLimit.burst} nodelay;`
        : `limit_req zone=${zoneOf(site.id)};`,
      'limit_req_status 429;',
    );
  }
  if (options.bandwidthKb !== undefined) lines.push(`limit_rate ${options.bandwidthKb}k;`);
  if (options.passwordProtection) {
    lines.push(`auth_basic ${authVarOf(site.id)};`, `auth_basic_user_file ${htpasswdFile};`);
  }
  if (root !== null) {
    for (const { code, page } of options.errorPages) lines.push(`error_page ${code} ${page};`);
  }
  return lines;
}

function hotlink(site: SiteRecord, root: string | null): string[] {
  const protection = site.spec.options.hotlinkProtection;
  if (!protection || root === null) return [];
  return [
    '# Images and media only for pages of this site (and the names allowed).',
    'location ~* \\.(avif|gif|jpe?g|png|svg|webp|mp3|mp4|ogg|webm)$ {',
    `    valid_referers none blocked server_names ${protection.allow.join(' ')}`.trimEnd() + ';',
    '    if ($invalid_referer) {',
    '        return 403;',
    '    }',
    '}',
  ];
}

function accessRules(spec: SiteSpec): string[] {
  const lines = spec.options.deny.map((cidr) => `deny ${cidr};`);
  if (spec.options.allow.length > 0) {
    lines.push(...spec.options.allow.map((cidr) => `allow ${cidr};`), 'deny all;');
  }
  return lines;
}

function tryFiles(spec: SiteSpec): string {
  switch (spec.options.rewrite) {
    case 'wordpress':
    case 'laravel':
      return 'try_files $uri $uri/ /index.php?$query_string;';
    case 'spa':
      return 'try_files $uri $uri/ /index.html;';
    default:
      return 'try_files $uri $uri/ =404;';
  }
}

function body(site: SiteRecord, root: string | null, layout: WebsitesConfig): string[] {
  const { spec } = site;
  if (!site.enabled) {
    return ['location / {', '    default_type text/html;', `    return 503 '${MAINTENANCE_PAGE}';`, '}'];
  }
  switch (spec.type) {
    case 'static':
    case 'php': {
      const php = spec.type === 'php';
      const index = spec.options.index ?? (php ? ['index.php', 'index.html'] : ['index.html', 'index.htm']);
      const lines = [
        `root ${quote(root!)};`,
        `index ${index.join(' ')};`,
        '',
        'location / {',
        `    ${tryFiles(spec)}`,
        '}',
        '# Dot files (.git, .env, .htpasswd) are never served.',
        'location ~ /\\.(?!well-known/) {',
        '    deny all;',
        '}',
      ];
      if (php) {
        lines.push(
          'location ~ \\.php$ {',
          '    try_files $uri =404;',
          `    fastcgi_pass unix:${phpSocketOf(layout, site.id)};`,
          '    fastcgi_index index.php;',
          `    include ${layout.nginxDir}/fastcgi_params;`,
          '    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;',
          '}',
        );
      }
      return lines;
    }
    case 'proxy':
      return [
        'location / {',
        `    proxy_pass ${quote(spec.upstream)};`,
        '    proxy_http_version 1.1;',
        '    proxy_set_header Upgrade $http_upgrade;',
        '    proxy_set_header Connection $diwan_connection_upgrade;',
        '    proxy_set_header Host $host;',
        '    proxy_set_header X-Real-IP $remote_addr;',
        '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        '    proxy_set_header X-Forwarded-Proto $scheme;',
        '    proxy_connect_timeout 10s;',
        '    proxy_send_timeout 60s;',
        '    proxy_read_timeout 60s;',
        '}',
      ];
    case 'redirect': {
      const { to, code, keepPath } = spec.redirect;
      const target = keepPath ? `${to.replace(/\/+$/, '')}$request_uri` : to;
      return ['location / {', `    return ${code} ${quote(target)};`, '}'];
    }
  }
}

/** Let's Encrypt's HTTP-01 answers, for every site in every state (maintenance too). */
function acmeChallenge(layout: WebsitesConfig, site: SiteRecord): string[] {
  return [
    "# Let's Encrypt's HTTP-01 challenge: answered for every site, whatever else it does.",
    `location ^~ ${ACME_CHALLENGE_PATH} {`,
    `    root ${quote(challengeRootOf(layout))};`,
    '    default_type text/plain;',
    '    access_log off;',
    '    allow all;',
    ...(site.spec.options.passwordProtection ? ['    auth_basic off;'] : []),
    '    try_files $uri =404;',
    '}',
  ];
}

function checkLocation(site: SiteRecord, nonce: string): string[] {
  return [
    `location = ${checkPath(nonce)} {`,
    '    access_log off;',
    '    allow all;',
    ...(site.spec.options.passwordProtection ? ['    auth_basic off;'] : []),
    '    return 204;',
    '}',
  ];
}

function logLines(site: SiteRecord, layout: WebsitesConfig): string[] {
  return [
    site.spec.options.accessLog
      ? `access_log ${layout.logDir}/diwan-${site.id}.access.log;`
      : 'access_log off;',
    `error_log ${layout.logDir}/diwan-${site.id}.error.log;`,
  ];
}

/** Everything a server block of the site holds after its listen lines and names. */
function siteBody(site: SiteRecord, context: RenderContext): string[] {
  const { layout } = context;
  const { spec } = site;
  const root = siteRoot(layout.webRoot, spec);
  return [
    ...logLines(site, layout),
    ...(spec.options.gzip
      ? [
          'gzip on;',
          'gzip_min_length 1024;',
          'gzip_types text/plain text/css text/xml application/javascript application/json application/xml image/svg+xml;',
        ]
      : ['gzip off;']),
    ...accessRules(spec),
    ...extras(site, root, htpasswdFileOf(layout, site.id)),
    '',
    ...acmeChallenge(layout, site),
    ...checkLocation(site, context.nonce),
    ...body(site, root, layout),
    ...(site.enabled ? hotlink(site, root) : []),
    ...(spec.options.snippet !== undefined
      ? ['# Added by an administrator in Diwan:', ...spec.options.snippet.split('\n')]
      : []),
  ];
}

const httpListen = (layout: WebsitesConfig) => [
  `listen ${layout.httpPort};`,
  `listen [::]:${layout.httpPort};`,
];

/** HTTPS: the certificate, TLS 1.2 and 1.3 only, sessions, HTTP/2, and HSTS when asked. */
function httpsHead(site: SiteRecord, context: RenderContext): string[] {
  const { layout } = context;
  const http2 = context.http2Directive ? '' : ' http2';
  return [
    `listen ${layout.httpsPort} ssl${http2};`,
    `listen [::]:${layout.httpsPort} ssl${http2};`,
    ...(context.http2Directive ? ['http2 on;'] : []),
    `server_name ${site.spec.domains.join(' ')};`,
    '',
    `ssl_certificate ${certFileOf(layout, site.id)};`,
    `ssl_certificate_key ${keyFileOf(layout, site.id)};`,
    'ssl_protocols TLSv1.2 TLSv1.3;',
    'ssl_prefer_server_ciphers off;',
    'ssl_session_timeout 1d;',
    'ssl_session_cache shared:diwan_tls:10m;',
    'ssl_session_tickets off;',
    ...(site.tls?.hsts ? ['add_header Strict-Transport-Security "max-age=31536000" always;'] : []),
  ];
}

/** Port 80 of a site whose visitors are sent to HTTPS: only the challenge and the check stay. */
function redirectToHttps(site: SiteRecord, context: RenderContext): string[] {
  const { layout } = context;
  const port = layout.httpsPort === 443 ? '' : `:${layout.httpsPort}`;
  return [
    ...httpListen(layout),
    `server_name ${site.spec.domains.join(' ')};`,
    '',
    ...logLines(site, layout),
    '',
    ...acmeChallenge(layout, site),
    ...checkLocation(site, context.nonce),
    'location / {',
    `    return 301 https://$host${port}$request_uri;`,
    '}',
  ];
}

const block = (lines: string[]) => [
  'server {',
  ...lines.map((line) => (line === '' ? '' : `    ${line}`)),
  '}',
];

/** The site's server blocks: port 80, and with a certificate port 443 too. */
export function renderSite(site: SiteRecord, context: RenderContext): string {
  const { layout } = context;
  const { spec } = site;
  const plain = [
    ...httpListen(layout),
    `server_name ${spec.domains.join(' ')};`,
    '',
    ...siteBody(site, context),
  ];
  const servers = site.tls
    ? [
        ...block(site.tls.forceHttps ? redirectToHttps(site, context) : plain),
        ...block([...httpsHead(site, context), '', ...siteBody(site, context)]),
      ]
    : block(plain);
  return [
    `${MANAGED_MARK}: site ${site.id} (${spec.type}, ${spec.domains[0]}). Change it in Diwan: an edit`,
    '# made here is reported as drift and kept until you choose.',
    ...(spec.options.rateLimit
      ? [
          `limit_req_zone $binary_remote_addr zone=${zoneOf(site.id)}:1m rate=${spec.options.rateLimit.perSecond}r/s;`,
        ]
      : []),
    ...authMap(site),
    ...servers,
    '',
  ].join('\n');
}

/** The PHP-FPM pool of a PHP site: its own user, socket, temporary files and open_basedir. */
export function renderPool(site: SiteRecord, context: RenderContext): string {
  const { layout } = context;
  const root = siteRoot(layout.webRoot, site.spec)!;
  const user = siteUserOf(site.id);
  const state = phpStateOf(layout, site.id);
  return [
    `; Managed by Diwan: site ${site.id} (${site.spec.domains[0]}). Change it in Diwan.`,
    `[diwan-${site.id}]`,
    `user = ${user}`,
    `group = ${user}`,
    `listen = ${phpSocketOf(layout, site.id)}`,
    `listen.owner = ${layout.nginxUser}`,
    `listen.group = ${layout.nginxUser}`,
    'listen.mode = 0660',
    'pm = ondemand',
    'pm.max_children = 5',
    'pm.process_idle_timeout = 10s',
    'pm.max_requests = 500',
    `chdir = ${root}`,
    `php_admin_value[open_basedir] = ${root}/:${state}/`,
    `php_admin_value[upload_tmp_dir] = ${state}/tmp`,
    `php_admin_value[sys_temp_dir] = ${state}/tmp`,
    `php_admin_value[session.save_path] = ${state}/sessions`,
    'php_admin_value[disable_functions] = exec,passthru,shell_exec,system,proc_open,popen,pcntl_exec',
    'php_admin_flag[allow_url_include] = off',
    '',
  ].join('\n');
}
