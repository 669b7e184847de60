import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConflictError, writeAtomic } from '../system/atomic-write.js';
import { isIP } from 'node:net';

/**
 * Renders deploy/nginx/diwan.conf, the reverse proxy in front of Diwan's own panel. Every value is
 * checked before it goes into nginx's configuration: a name or a path that could end a directive
 * (`;`, `{`, a space, a newline) is refused, so the output is the template and nothing else.
 */
export const PANEL_PROXY_TEMPLATE = new URL('../../../deploy/nginx/diwan.conf', import.meta.url);

export const COLORS = ['blue', 'green'] as const;
export type Color = (typeof COLORS)[number];

/** The web tier's port for each color (diwan@blue.service and diwan@green.service). */
export const DEFAULT_PORTS: Record<Color, number> = { blue: 8686, green: 8687 };
export const DEFAULT_UPSTREAM_FILE = '/etc/nginx/diwan-panel/upstream.conf';

export interface PanelProxyOptions {
  /** The panel's host names (or one IPv4 address). */
  serverNames: string[];
  certificate: string;
  certificateKey: string;
  /** Addresses nginx listens on; both families by default. */
  listen?: string[];
  httpPort?: number;
  httpsPort?: number;
  upstreamFile?: string;
  /** Where certbot --webroot puts its challenges. */
  acmeRoot?: string;
  /** The app's DIWAN_BODY_LIMIT, in bytes. */
  bodyLimit?: number;
  /** Requests a second per client address for everything but the login, and the burst above it. */
  generalRate?: number;
  generalBurst?: number;
}

export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;

export function checkServerName(name: string): string {
  const lower = name.toLowerCase();
  const ok =
    isIP(lower) === 4 || (lower.length <= 253 && lower.split('.').every((label) => LABEL.test(label)));
  if (!ok) throw new ProxyConfigError(`not a host name: ${JSON.stringify(name)}`);
  return lower;
}

export function checkPath(what: string, path: string): string {
  if (!SAFE_PATH.test(path) || path.split('/').some((part) => part === '..' || part === '.'))
    throw new ProxyConfigError(
      `${what} must be an absolute path of letters, digits, dots, dashes and underscores: ${JSON.stringify(path)}`,
    );
  return path;
}

function checkInteger(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ProxyConfigError(`${what} must be a whole number from ${min} to ${max}`);
  return value;
}

function listenLine(address: string, port: number, extra: string): string {
  const family = isIP(address);
  if (family === 0) throw new ProxyConfigError(`not an IP address to listen on: ${JSON.stringify(address)}`);
  const host = family === 6 ? `[${address}]` : address;
  return `    listen ${host}:${port}${extra};`;
}

export function renderPanelProxy(
  options: PanelProxyOptions,
  template = readFileSync(PANEL_PROXY_TEMPLATE, 'utf8'),
): string {
  if (options.serverNames.length === 0) throw new ProxyConfigError('at least one server name is needed');
  const listen = options.listen ?? ['0.0.0.0', '::'];
  if (listen.length === 0) throw new ProxyConfigError('at least one address to listen on is needed');
  const httpPort = checkInteger('the HTTP port', options.httpPort ?? 80, 1, 65535);
  const httpsPort = checkInteger('the HTTPS port', options.httpsPort ?? 443, 1, 65535);
  const values: Record<string, string> = {
    SERVER_NAME: options.serverNames.map(checkServerName).join(' '),
    CERTIFICATE: checkPath('the certificate', options.certificate),
    CERTIFICATE_KEY: checkPath('the certificate key', options.certificateKey),
    UPSTREAM_FILE: checkPath('the upstream file', options.upstreamFile ?? DEFAULT_UPSTREAM_FILE),
    ACME_ROOT: checkPath('the ACME webroot', options.acmeRoot ?? '/var/www/acme'),
    BODY_LIMIT: String(checkInteger('the body limit', options.bodyLimit ?? 1024 * 1024, 1024, 1024 ** 3)),
    GENERAL_RATE: String(checkInteger('the request rate', options.generalRate ?? 50, 1, 100_000)),
    GENERAL_BURST: String(checkInteger('the burst', options.generalBurst ?? 100, 0, 100_000)),
    HTTPS_PORT_SUFFIX: httpsPort === 443 ? '' : `:${httpsPort}`,
    LISTEN_HTTP: listen.map((address) => listenLine(address, httpPort, '')).join('\n'),
    LISTEN_HTTPS: listen.map((address) => listenLine(address, httpsPort, ' ssl http2')).join('\n'),
  };
  const rendered = template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new ProxyConfigError(`the template names an unknown value ${whole}`);
    return value;
  });
  return rendered;
}

/** The include file nginx reads for the panel's upstream: one server, the active color's. */
export function renderUpstream(color: Color, port: number, host = '127.0.0.1'): string {
  if (isIP(host) === 0) throw new ProxyConfigError(`not an IP address: ${JSON.stringify(host)}`);
  checkInteger('the port', port, 1, 65535);
  const address = isIP(host) === 6 ? `[${host}]` : host;
  return [
    '# Written by `diwan deploy`: the panel instance that takes traffic. Do not edit by hand.',
    `# active: ${color}`,
    'upstream diwan_panel {',
    `    server ${address}:${port};`,
    '}',
    '',
  ].join('\n');
}

/** The color an upstream file names, or null when it names none. */
export function activeColorOf(upstream: string): Color | null {
  const match = /^# active: (blue|green)$/m.exec(upstream);
  return (match?.[1] as Color | undefined) ?? null;
}

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

/**
 * Writes the first upstream file (one color and its port) unless one exists already: an existing
 * file names the color that takes the traffic, which only a switch changes.
 */
export async function installUpstream(file: string, color: Color, port: number): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o755 });
  try {
    await writeAtomic(file, renderUpstream(color, port), {
      expectedVersion: null,
      mode: 0o644,
      keepPrevious: false,
    });
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}

/** Writes the rendered configuration where nginx will read it, whole or not at all. */
export async function writeProxyConfig(file: string, text: string): Promise<void> {
  await writeAtomic(file, text, { expectedVersion: undefined, mode: 0o644, keepPrevious: false });
}
