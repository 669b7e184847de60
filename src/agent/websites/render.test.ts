import { describe, expect, it } from 'vitest';
import { siteSpecSchema, type SiteSpecInput, type SiteTls } from '../../contract/websites.js';
import { nginxTakesHttp2Directive } from '../system/web-servers.js';
import { debianWebsites } from '../../server/config/load.js';
import { renderHook, renderHttp, renderPool, renderSite } from './render.js';

/**
 * Golden files: one per type and per option. A change to the renderer shows as a diff of nginx
 * configuration in review; `npx vitest run -u` rewrites them after a deliberate change.
 */
const context = { layout: debianWebsites('/var/www'), nonce: '0123456789abcdef' };
const id = '3f2a9c4e-1b7d-4e8f-9a6b-5c4d3e2f1a0b';

function site(input: SiteSpecInput, enabled = true, tls: SiteTls | null = null) {
  return { id, spec: siteSpecSchema.parse(input), enabled, tls };
}
const golden = (name: string) => `../../../test/golden/websites/${name}`;

const cases: Record<string, SiteSpecInput> = {
  'static.conf': { type: 'static', domains: ['example.com', 'www.example.com'] },
  'static-root-spa.conf': {
    type: 'static',
    domains: ['app.example.com'],
    root: 'apps/app',
    options: { rewrite: 'spa', index: ['index.html'] },
  },
  'static-no-gzip-no-log.conf': {
    type: 'static',
    domains: ['quiet.example.com'],
    options: { gzip: false, accessLog: false },
  },
  'static-access-rules.conf': {
    type: 'static',
    domains: ['office.example.com'],
    options: { allow: ['203.0.113.0/24', '2001:db8::/32'], deny: ['203.0.113.7'] },
  },
  'static-wildcard-idn.conf': { type: 'static', domains: ['*.example.com', 'مثال.example'] },
  'static-limits-errors-hotlink.conf': {
    type: 'static',
    domains: ['media.example.com'],
    options: {
      rateLimit: { perSecond: 20, burst: 40 },
      bandwidthKb: 512,
      errorPages: [
        { code: 404, page: '/errors/404.html' },
        { code: 503, page: '/errors/down.html' },
      ],
      hotlinkProtection: { allow: ['partner.example.org'] },
    },
  },
  'proxy-snippet.conf': {
    type: 'proxy',
    domains: ['app.example.com'],
    upstream: 'http://127.0.0.1:8080',
    options: { snippet: 'client_max_body_size 64m;\nadd_header X-Frame-Options SAMEORIGIN;' },
  },
  'static-password-path.conf': {
    type: 'static',
    domains: ['team.example.com'],
    options: {
      passwordProtection: {
        path: '/private.area',
        realm: 'Team only',
        users: [{ username: 'ana', passwordHash: '{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g2bHVfY2FsZA==' }],
      },
    },
  },
  'php-password-whole.conf': {
    type: 'php',
    domains: ['admin.example.com'],
    phpVersion: '8.2',
    options: {
      passwordProtection: {
        users: [{ username: 'ana', passwordHash: '{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g2bHVfY2FsZA==' }],
      },
    },
  },
  'php.conf': { type: 'php', domains: ['blog.example.com'], phpVersion: '8.2' },
  'php-wordpress.conf': {
    type: 'php',
    domains: ['wp.example.com'],
    phpVersion: '8.2',
    options: { rewrite: 'wordpress' },
  },
  'proxy.conf': { type: 'proxy', domains: ['api.example.com'], upstream: 'http://127.0.0.1:3000' },
  'redirect-keep-path.conf': {
    type: 'redirect',
    domains: ['old.example.com'],
    redirect: { to: 'https://new.example.com/', code: 301, keepPath: true },
  },
  'redirect-fixed.conf': {
    type: 'redirect',
    domains: ['promo.example.com'],
    redirect: { to: 'https://example.com/landing?from=promo', code: 302, keepPath: false },
  },
};

describe('the site renderer', () => {
  for (const [name, input] of Object.entries(cases)) {
    it(`renders ${name}`, async () => {
      await expect(renderSite(site(input), context)).toMatchFileSnapshot(golden(name));
    });
  }

  it('renders a disabled site as a maintenance page that still answers the check', async () => {
    const rendered = renderSite(site(cases['static.conf']!, false), context);
    await expect(rendered).toMatchFileSnapshot(golden('disabled.conf'));
    expect(rendered).toContain('return 503');
    expect(rendered).not.toContain('root "/var/www'); // the site's files are not served
  });

  it('renders a PHP site its own pool: user, socket, open_basedir, temporary files', async () => {
    await expect(renderPool(site(cases['php.conf']!), context)).toMatchFileSnapshot(golden('php-pool.conf'));
  });

  it("renders Diwan's http-level file and the hook nginx includes", async () => {
    await expect(renderHttp(context.layout)).toMatchFileSnapshot(golden('http.conf'));
    expect(renderHook(context.layout)).toBe(
      '# Managed by Diwan: the websites Diwan manages.\ninclude /etc/nginx/diwan/http.conf;\n',
    );
  });

  const tlsCases: [string, SiteSpecInput, SiteTls, boolean][] = [
    [
      'static-tls.conf',
      cases['static.conf']!,
      { source: 'letsencrypt', forceHttps: false, hsts: false },
      false,
    ],
    [
      'static-tls-force-hsts.conf',
      cases['static.conf']!,
      { source: 'letsencrypt', forceHttps: true, hsts: true },
      false,
    ],
    [
      'php-tls-password-http2-on.conf',
      cases['php-password-whole.conf']!,
      { source: 'custom', forceHttps: true, hsts: false },
      true,
    ],
    ['proxy-tls.conf', cases['proxy.conf']!, { source: 'custom', forceHttps: false, hsts: true }, false],
  ];
  for (const [name, input, tls, http2Directive] of tlsCases) {
    it(`renders ${name}`, async () => {
      await expect(renderSite(site(input, true, tls), { ...context, http2Directive })).toMatchFileSnapshot(
        golden(name),
      );
    });
  }

  it("serves Let's Encrypt's challenge path in every type, in maintenance, and before any redirect", () => {
    const challenge = 'location ^~ /.well-known/acme-challenge/ {';
    for (const input of Object.values(cases)) {
      expect(renderSite(site(input), context)).toContain(challenge);
      expect(renderSite(site(input, false), context)).toContain(challenge);
      const forced = renderSite(
        site(input, true, { source: 'custom', forceHttps: true, hsts: false }),
        context,
      );
      // Port 80's block: the challenge, then the redirect of everything else.
      const port80 = forced.slice(0, forced.indexOf('listen 443'));
      expect(port80.indexOf(challenge)).toBeGreaterThan(0);
      expect(port80.indexOf(challenge)).toBeLessThan(port80.indexOf('return 301 https://$host$request_uri;'));
    }
  });

  it('turns HTTP/2 on as this nginx expects it (the listen parameter before 1.25.1)', () => {
    expect(nginxTakesHttp2Directive('nginx version: nginx/1.22.1')).toBe(false);
    expect(nginxTakesHttp2Directive('nginx version: nginx/1.25.0')).toBe(false);
    expect(nginxTakesHttp2Directive('nginx version: nginx/1.25.1')).toBe(true);
    expect(nginxTakesHttp2Directive('nginx version: nginx/1.26.3')).toBe(true);
    expect(nginxTakesHttp2Directive('nginx version: nginx/2.0.0')).toBe(true);
    expect(nginxTakesHttp2Directive('something else')).toBe(false);
  });

  it('is deterministic, and the nonce is the only thing that varies between renders', () => {
    const a = renderSite(site(cases['proxy.conf']!), context);
    const b = renderSite(site(cases['proxy.conf']!), { ...context, nonce: 'fedcba9876543210' });
    expect(renderSite(site(cases['proxy.conf']!), context)).toBe(a);
    expect(a.replace('0123456789abcdef', 'fedcba9876543210')).toBe(b);
  });
});
