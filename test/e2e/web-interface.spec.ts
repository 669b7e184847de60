import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import mysql from 'mysql2/promise';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runDiwan } from '../support/cli.js';
import { visitNginx } from '../support/web-servers.js';
import { e2eServer } from './server-info.js';
import { expectAccessible, screenshot, totpCode } from './support.js';

/**
 * One administrator's story on a fresh Diwan, in order: the first login with the printed
 * credentials, the forced password change, tokens, 2FA, the audit log, Arabic. Each step leaves the
 * state the next one starts from.
 */
test.describe.configure({ mode: 'serial' });

const server = e2eServer();
const NEW_PASSWORD = 'a long passphrase of my own';
let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  // axe needs a page of a context made with newContext (not browser.newPage).
  context = await browser.newContext({ locale: 'en-US' });
  page = await context.newPage();
});
test.afterAll(async () => {
  await context.close();
  await dropRunDatabases();
});

// The e2e server's agent runs in process as root and works on this machine's own MariaDB: names are
// this run's own, and whatever a failed run leaves is dropped at the end.
const RUN = `e2e${Date.now().toString(36)}`;
const DATABASE = `${RUN}_shop`;
let databaseId = '';

const mariaAdmin = () => mysql.createConnection({ socketPath: '/run/mysqld/mysqld.sock', user: 'root' });
/** The database's own user, with its password, as an application would connect. */
const asOwner = (password: string) =>
  mysql.createConnection({
    socketPath: '/run/mysqld/mysqld.sock',
    user: DATABASE,
    password,
    database: DATABASE,
  });

/** Databases and accounts on the server named like this run's. */
async function runObjects(): Promise<{ databases: string[]; users: string[] }> {
  const admin = await mariaAdmin();
  try {
    const [databases] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?',
      [`${RUN}%`],
    );
    const [users] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT User AS n, Host AS h FROM mysql.user WHERE User LIKE ?',
      [`${RUN}%`],
    );
    return {
      databases: databases.map((row) => String(row.n)),
      users: users.map((row) => `${String(row.n)}@${String(row.h)}`),
    };
  } finally {
    await admin.end();
  }
}

async function dropRunDatabases(): Promise<void> {
  const { databases, users } = await runObjects();
  const admin = await mariaAdmin();
  try {
    for (const name of databases) await admin.query('DROP DATABASE IF EXISTS ??', [name]);
    for (const account of users) {
      const [user, host] = account.split('@') as [string, string];
      await admin.query('DROP USER IF EXISTS ?@?', [user, host]);
    }
  } finally {
    await admin.end();
  }
}

const LOGIN_WORDS = {
  en: {
    username: 'Username',
    password: /^Password/,
    submit: 'Log in',
    code: 'Code from your authenticator app',
  },
  ar: {
    username: /^اسم المستخدم/,
    password: /^كلمة المرور/,
    submit: 'دخول',
    code: 'الرمز من تطبيق المصادقة',
  },
} as const;

async function logIn(username: string, password: string, on: Page = page, lang: 'en' | 'ar' = 'en') {
  const words = LOGIN_WORDS[lang];
  await on.getByLabel(words.username).fill(username);
  await on.getByLabel(words.password).fill(password);
  await on.getByRole('button', { name: words.submit }).click();
}

// The authenticator app, from the moment 2FA is on: the server refuses a code whose 30 s step was
// used already, so each login takes a step no earlier login took.
const TOTP_STEP_MS = 30_000;
let totpSecret = '';
let lastTotpStep = 0;
async function unusedTotpCode(): Promise<string> {
  while (Math.floor(Date.now() / TOTP_STEP_MS) + 1 <= lastTotpStep)
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  lastTotpStep = Math.floor(Date.now() / TOTP_STEP_MS) + 1;
  return totpCode(totpSecret, 1);
}

// A second user, added on the server's command line (`diwan user add`) with a generated password:
// the forced password change, which the administrator passed at the first login, is theirs to show.
let newcomer: { username: string; password: string } | null = null;
async function newcomerAccount(): Promise<{ username: string; password: string }> {
  if (newcomer) return newcomer;
  const username = `newcomer${Date.now().toString(36)}`;
  const added = await runDiwan(['user', 'add', username], {
    DIWAN_ENV: 'development',
    DIWAN_DATA_DIR: server.dataDir,
    DIWAN_LOG_LEVEL: 'warn',
  });
  expect(added.code, added.stderr).toBe(0);
  const password = added.stdout.trim().split('\n').at(-1)!.trim();
  expect(password).toMatch(/^\S{20,}$/);
  newcomer = { username, password };
  return newcomer;
}

test('first login with the printed credentials leads to the forced password change', async () => {
  await page.goto(server.loginUrl);
  await expect(page.getByRole('heading', { name: 'Log in to Diwan' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await expectAccessible(page, 'login');
  await screenshot(page, 'login');

  await logIn(server.username, 'not-the-password');
  await expect(page.getByRole('alert')).toContainText('Wrong username, password or code');

  await logIn(server.username, server.password);
  await expect(page.getByRole('heading', { name: 'Choose your own password' })).toBeVisible();
  await expectAccessible(page, 'password change');
  await screenshot(page, 'password-change');

  await page.getByLabel('Current password').fill(server.password);
  await page.getByLabel(/^New password(?! again)/).fill(NEW_PASSWORD);
  await page.getByLabel('New password again').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Navigation' }).getByRole('link')).toHaveText([
    'Dashboard',
    'Websites',
    'Databases',
    'Software',
    'Audit log',
    'Settings',
  ]);
});

test('the dashboard shows the host, then figures that change every 2 seconds', async () => {
  await expect(page.getByTestId('host-name')).not.toBeEmpty();
  const figures = page.getByTestId('dashboard-figures');
  await expect(figures).toBeVisible();
  await expect(page.getByTestId('cpu-total')).toHaveText(/^\d+\s?%$/);
  await expect(page.getByRole('table', { name: 'Busiest processes (CPU)' }).getByRole('row')).not.toHaveCount(
    1,
  );
  const firstTime = await page.getByTestId('sample-time').textContent();
  const firstCount = Number(await figures.getAttribute('data-samples'));
  // New samples arrive over the socket: the time moves on and the charts' history grows.
  await expect(page.getByTestId('sample-time')).not.toHaveText(firstTime!, { timeout: 8_000 });
  await expect
    .poll(async () => Number(await figures.getAttribute('data-samples')), { timeout: 8_000 })
    .toBeGreaterThan(firstCount);
});

test('creates an API token, shows it once, and revokes it after a confirmation', async () => {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'API tokens' }).click();
  await expect(page.getByText('No API tokens yet.')).toBeVisible();
  await page.getByLabel('Name').fill('backup script');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByTestId('created-token')).toHaveText(/^dwt_\S{20,}$/);
  const row = page.getByRole('row', { name: /backup script/ });
  await expect(row).toContainText('Read only');

  await page.getByRole('button', { name: 'Revoke the token backup script' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this token?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('The token was revoked.')).toBeVisible();
  await expect(page.getByText('No API tokens yet.')).toBeVisible();
});

test('turns on 2FA with the QR code step, then logs in with a code', async () => {
  await page.getByRole('tab', { name: 'Two-factor' }).click();
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await page.getByLabel('Code from the app').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  totpSecret = secret;
  lastTotpStep = Math.floor(Date.now() / TOTP_STEP_MS);
  await expect(page.getByTestId('recovery-codes')).toBeVisible();
  expect((await page.getByTestId('recovery-codes').textContent())!.trim().split('\n')).toHaveLength(10);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByText('On', { exact: true })).toBeVisible();

  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await logIn(server.username, NEW_PASSWORD);
  const code = page.getByLabel('Code from your authenticator app');
  await expect(code).toBeFocused();
  await expectAccessible(page, 'login code step');
  await screenshot(page, 'login-code');
  // The enabling code's step is spent (replays are refused): the next one, which the server accepts.
  await code.fill(await unusedTotpCode());
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
});

test('websites: the empty list, and the create dialog showing the server’s refusal on its field', async () => {
  await page.getByRole('link', { name: 'Websites' }).click();
  await expect(page.getByText('No websites yet.')).toBeVisible();
  await page.getByRole('button', { name: 'New website' }).click();
  const dialog = page.getByRole('dialog', { name: 'New website' });
  await dialog
    .getByLabel(/^Domains/)
    .first()
    .fill('not a domain!');
  await dialog
    .getByLabel(/^Domains/)
    .first()
    .press('Enter');
  await dialog.getByRole('button', { name: 'Create website' }).click();
  await expect(dialog.getByText(/Each domain must be a name such as example.com/)).toBeVisible();
  await expectAccessible(page, 'create website dialog');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByText('No websites yet.')).toBeVisible();
});

// The server's websites module manages a private nginx (test/e2e/serve.ts): real sites, real nginx.
test('websites: creates a static site nginx serves, gives it a 404 page, follows its visits, takes it offline and deletes it', async () => {
  const domain = `e2e-${Date.now().toString(36)}.test`;
  const root = join(server.webRoot, domain);
  const visit = (path = '/') => visitNginx(server.nginxPort, domain, path);

  await page.getByRole('button', { name: 'New website' }).click();
  const dialog = page.getByRole('dialog', { name: 'New website' });
  const domains = dialog.getByLabel(/^Domains/).first();
  await domains.fill(domain);
  await domains.press('Enter');
  await dialog.getByRole('button', { name: 'Create website' }).click();
  // 201 comes once nginx serves the site; the page of the new site follows.
  await expect(page.getByRole('heading', { name: domain })).toBeVisible({ timeout: 30_000 });
  expect((await visit()).status).toBe(200);
  await expectAccessible(page, 'website page');
  await screenshot(page, 'website');

  writeFileSync(join(root, 'gone.html'), 'this page is not here\n', { mode: 0o644 });
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('textbox', { name: 'Page for 404' }).fill('/gone.html');
  await page.getByRole('button', { name: 'Save access and limits' }).click();
  await expect(page.getByText('Saved: nginx serves the site with them')).toBeVisible({ timeout: 30_000 });
  const missing = await visit('/no-such-page');
  expect(missing).toMatchObject({ status: 404, body: 'this page is not here\n' });

  await page.getByRole('tab', { name: 'Configuration' }).click();
  await expect(page.getByText('error_page 404 /gone.html;')).toBeVisible();

  await page.getByRole('tab', { name: 'Logs' }).click();
  const log = page.getByTestId('site-log');
  await expect(log).toContainText('GET /no-such-page');
  await visit('/seen-live');
  await expect(log).toContainText('GET /seen-live', { timeout: 15_000 });

  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('switch', { name: 'Online' }).click();
  const offline = page.getByRole('dialog', { name: `Take ${domain} offline?` });
  await offline.getByRole('button', { name: 'Take offline' }).click();
  await expect(page.getByText('The website shows the maintenance page.')).toBeVisible({ timeout: 30_000 });
  expect((await visit()).status).toBe(503);
  await page.getByRole('switch', { name: 'Online' }).click();
  await expect(page.getByText('The website is online.')).toBeVisible({ timeout: 30_000 });
  expect((await visit()).status).toBe(200);

  await page.getByRole('button', { name: 'Delete website' }).click();
  const confirm = page.getByRole('dialog', { name: `Delete ${domain}?` });
  await confirm.getByRole('checkbox', { name: /Keep the site's files/ }).uncheck();
  await confirm.getByRole('button', { name: 'Delete website' }).click();
  await expect(page.getByText(`${domain} is deleted.`)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('No websites yet.')).toBeVisible();
  expect(existsSync(root)).toBe(false);
  // No site answers to the name any more: nginx's catch-all closes the connection.
  await expect(visit()).rejects.toThrow();
});

// A site that stays until the page loops below have visited its page (deleted after them).
const LOOP_SITE = `loops-${Date.now().toString(36)}.test`;
let loopSiteId = '';

test('websites: a site whose page the language and theme loops visit', async () => {
  await page.getByRole('link', { name: 'Websites' }).click();
  await page.getByRole('button', { name: 'New website' }).click();
  const dialog = page.getByRole('dialog', { name: 'New website' });
  const domains = dialog.getByLabel(/^Domains/).first();
  await domains.fill(LOOP_SITE);
  await domains.press('Enter');
  await dialog.getByRole('button', { name: 'Create website' }).click();
  await expect(page.getByRole('heading', { level: 1, name: LOOP_SITE })).toBeVisible({ timeout: 30_000 });
  loopSiteId = new URL(page.url()).pathname.split('/').at(-1)!;
  expect(loopSiteId).not.toBe('websites');
});

test("the Software center lists the catalog and shows a service's log lines", async () => {
  await page.getByRole('link', { name: 'Software' }).click();
  const table = page.getByRole('table', { name: 'Software' });
  for (const name of ['nginx', 'MariaDB', 'PostgreSQL', 'Redis']) {
    await expect(table.getByRole('row', { name: new RegExp(name) })).toBeVisible();
  }
  // MariaDB is provisioned and running on this host, and Diwan's tests depend on it.
  const mariadb = table.getByRole('row', { name: /MariaDB/ });
  await expect(mariadb).toContainText('Running');
  await page.getByRole('button', { name: 'Logs of MariaDB' }).click();
  const dialog = page.getByRole('dialog', { name: 'Recent log lines of MariaDB' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText('Loading…')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test('databases: creates a MariaDB database with its user, reveals the password, exports and imports it', async () => {
  await page.getByRole('link', { name: 'Databases' }).click();
  await expect(
    page.getByRole('table', { name: 'MariaDB' }).or(page.getByText('No databases yet.')),
  ).toBeVisible();
  await page.getByRole('button', { name: 'New database' }).click();
  const dialog = page.getByRole('dialog', { name: 'New MariaDB database' });
  await dialog.getByLabel(/^Name/).fill(DATABASE);
  await expect(dialog.getByLabel(/^User/)).toHaveValue(DATABASE);
  await expectAccessible(page, 'create database dialog');
  await dialog.getByRole('button', { name: 'Create database' }).click();
  const connection = page.getByTestId('database-connection');
  await expect(connection).toContainText(`database  ${DATABASE}`);
  const generated = /password {2}(\S+)/.exec((await connection.textContent()) ?? '')?.[1] ?? '';
  expect(generated).toMatch(/^[A-Za-z0-9]{24}$/);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(connection).toHaveCount(0);

  await page.getByRole('link', { name: DATABASE }).click();
  await expect(page.getByRole('heading', { level: 1, name: DATABASE })).toBeVisible();
  databaseId = new URL(page.url()).pathname.split('/').at(-1)!;
  await page.getByRole('button', { name: `Reveal the password of ${DATABASE}` }).click();
  const reveal = page.getByRole('dialog', { name: `Reveal the password of ${DATABASE}?` });
  await expect(reveal).toContainText('recorded in the audit log');
  await reveal.getByRole('button', { name: 'Reveal password' }).click();
  await expect(reveal.getByTestId('revealed-password')).toHaveText(generated);
  await expectAccessible(page, 'revealed password');
  await page.keyboard.press('Escape');
  await expect(reveal).toHaveCount(0);

  // The revealed password is the user's own: it logs in and makes a table for the export to carry.
  const own = await asOwner(generated);
  await own.query('CREATE TABLE visits (id INT PRIMARY KEY, page VARCHAR(40))');
  await own.query("INSERT INTO visits VALUES (1, 'ديوان')");
  await own.end();

  await page.getByRole('tab', { name: 'Import and export' }).click();
  await expect(page.getByText('No exports yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Export now' }).click();
  const task = page.getByTestId('task-log');
  await expect(task.getByText('Done', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(task.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByText(`${DATABASE} is exported: the file is ready to download.`)).toBeVisible();
  const link = page.getByRole('link', { name: /^Download / });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^${DATABASE}-\\d{13}\\.sql\\.gz$`));
  const dump = gunzipSync(readFileSync(await download.path())).toString('utf8');
  expect(dump).toContain('CREATE TABLE `visits`');
  expect(dump).toContain("(1,'ديوان')");
  await expectAccessible(page, 'database import and export');

  // The downloaded dump uploaded again through the page: the import puts the table back as it was.
  const changed = await asOwner(generated);
  await changed.query("INSERT INTO visits VALUES (2, 'after the export')");
  await page.locator('.mantine-Card-root', { has: task }).getByRole('button', { name: 'Close' }).click();
  await page.getByLabel(/^Dump file/).setInputFiles(await download.path());
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page
    .getByRole('dialog', { name: `Import into ${DATABASE}?` })
    .getByRole('button', { name: 'Import' })
    .click();
  await expect(page.getByTestId('task-log').getByText('Done', { exact: true })).toBeVisible({
    timeout: 30_000,
  });
  const [rows] = await changed.query<mysql.RowDataPacket[]>('SELECT id, page FROM visits ORDER BY id');
  await changed.end();
  expect(rows).toEqual([{ id: 1, page: 'ديوان' }]);
});

test('databases: the Redis tab shows whether Redis runs, and its version', async () => {
  await page.getByRole('link', { name: 'Databases' }).click();
  await page.getByRole('tab', { name: 'Redis' }).click();
  await expect(page).toHaveURL(/\?tab=redis$/);
  await expect(page.getByTestId('redis-version')).toHaveText(/^\d+\.\d+\.\d+$/);
  await expect(page.getByText('Running', { exact: true })).toBeVisible();
  await expect(
    page.getByRole('table', { name: 'Keys per database' }).or(page.getByText('No keys in any database.')),
  ).toBeVisible();
});

test('databases: the audit log records the creation, the reveal, the export and the import', async () => {
  await page.goto(`${server.loginUrl}/audit`);
  await page.getByLabel('Action').fill('database.');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const table = page.getByRole('table', { name: 'Audit log' });
  for (const action of [
    'Created a database',
    'Revealed a database password',
    'Exported a database',
    'Uploaded a database dump',
    'Imported a database',
  ]) {
    await expect(table.getByText(action, { exact: true })).toHaveCount(1);
  }
  await page.goto(`${server.loginUrl}/databases`);
});

test('the audit log shows those actions, and filters them', async () => {
  await page.getByRole('link', { name: 'Audit log' }).click();
  const table = page.getByRole('table', { name: 'Audit log' });
  for (const action of [
    'Changed the password',
    'Created an API token',
    'Revoked an API token',
    'Turned on two-factor authentication',
    'Logged in',
  ]) {
    await expect(table.getByText(action, { exact: true }).first()).toBeVisible();
  }
  await page.getByLabel('Action').fill('token.');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(table.getByRole('row')).toHaveCount(3); // the header and the two token rows
});

test('switches to Arabic: the page turns right-to-left, translated, and stays so', async () => {
  await page.getByRole('button', { name: 'Language' }).click();
  await page.getByRole('menuitem', { name: 'العربية' }).click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
  await expect(page.getByRole('navigation', { name: 'التنقّل' }).getByRole('link')).toHaveText([
    'لوحة المعلومات',
    'المواقع',
    'قواعد البيانات',
    'البرمجيات',
    'سجل التدقيق',
    'الإعدادات',
  ]);
  // Kept with the account: a reload (a new tab, another browser) opens in Arabic.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'سجل التدقيق' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
});

test('arrows point the other way in Arabic', async () => {
  // The audit log's paging arrows (class flip-rtl), on the page left in Arabic above.
  const transform = (element: unknown) =>
    (globalThis as unknown as { getComputedStyle(node: unknown): { transform: string } }).getComputedStyle(
      element,
    ).transform;
  const arrow = page.getByRole('button', { name: 'الأقدم' }).locator('svg.flip-rtl');
  await expect(arrow).toHaveCount(1);
  expect(await arrow.evaluate(transform)).toBe('matrix(-1, 0, 0, 1, 0, 0)');
});

test("the account's language wins over the browser's Accept-Language", async ({ browser }) => {
  // A browser that asks for English and has no choice saved here; the account says Arabic.
  const elsewhere = await browser.newContext({ locale: 'en-US' });
  const fresh = await elsewhere.newPage();
  await fresh.goto(server.loginUrl);
  await expect(fresh.getByRole('heading', { name: 'Log in to Diwan' })).toBeVisible();
  await expect(fresh.locator('html')).toHaveAttribute('dir', 'ltr');
  const saved = await fresh.evaluate(() =>
    (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem(
      'diwan.locale',
    ),
  );
  expect(saved).toBeNull();
  await logIn(server.username, NEW_PASSWORD, fresh);
  await fresh.getByLabel(LOGIN_WORDS.en.code).fill(await unusedTotpCode());
  await fresh.getByRole('button', { name: 'Verify' }).click();
  await expect(fresh.getByRole('heading', { level: 1, name: 'لوحة المعلومات' })).toBeVisible();
  await expect(fresh.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(fresh.locator('html')).toHaveAttribute('lang', 'ar');
  await elsewhere.close();
});

const PAGES = [
  { path: 'dashboard', heading: { en: 'Dashboard', ar: 'لوحة المعلومات' } },
  { path: 'settings/account', heading: { en: 'Settings', ar: 'الإعدادات' } },
  { path: 'settings/two-factor', heading: { en: 'Settings', ar: 'الإعدادات' } },
  { path: 'settings/sessions', heading: { en: 'Settings', ar: 'الإعدادات' } },
  { path: 'settings/tokens', heading: { en: 'Settings', ar: 'الإعدادات' } },
  { path: 'settings/security', heading: { en: 'Settings', ar: 'الإعدادات' } },
  { path: 'websites', heading: { en: 'Websites', ar: 'المواقع' } },
  { path: 'databases', heading: { en: 'Databases', ar: 'قواعد البيانات' } },
  { path: 'software', heading: { en: 'Software', ar: 'البرمجيات' } },
  { path: 'audit', heading: { en: 'Audit log', ar: 'سجل التدقيق' } },
] as const;
// axe on every page takes a few seconds each, many more on a busy machine (the Arabic loop took
// 4.3 minutes here with other suites running).
const PAGE_LOOP_TIMEOUT_MS = 30_000 * (PAGES.length + 6);

interface LoopPage {
  path: string;
  heading: { en: string; ar: string };
  shot: string;
  /** Opened from inside the SPA (the server answers only the SPA's own paths with the page). */
  inApp?: boolean;
}

/**
 * The pages, with the Redis tab, the page of the database and of the site made above, and the SPA's
 * own "not found" page (the + 6 above, with the two login steps).
 */
const pages = (): LoopPage[] => [
  ...PAGES.map((entry) => ({ ...entry, shot: entry.path.replace('/', '-') })),
  {
    path: 'databases?tab=redis',
    heading: { en: 'Databases', ar: 'قواعد البيانات' },
    shot: 'databases-redis',
  },
  ...(databaseId
    ? [{ path: `databases/${databaseId}`, heading: { en: DATABASE, ar: DATABASE }, shot: 'database' }]
    : []),
  ...(loopSiteId
    ? [{ path: `websites/${loopSiteId}`, heading: { en: LOOP_SITE, ar: LOOP_SITE }, shot: 'website' }]
    : []),
  {
    path: 'no-such-page',
    heading: { en: 'Page not found', ar: 'الصفحة غير موجودة' },
    shot: 'not-found',
    inApp: true,
  },
];

async function openPage(on: Page, { path, inApp }: LoopPage): Promise<void> {
  if (!inApp) {
    await on.goto(`${server.loginUrl}/${path}`);
    return;
  }
  // A link to a page that does not exist, followed inside the app (a reload of it is the server's
  // plain 404, which hides the panel from strangers).
  await on.goto(`${server.loginUrl}/dashboard`);
  await expect(on.getByRole('heading', { level: 1 }).first()).toBeVisible();
  const url = `${new URL(server.loginUrl).pathname}/${path}`;
  await on.evaluate((target) => {
    const browser = globalThis as unknown as {
      history: { pushState(state: unknown, title: string, url: string): void };
      dispatchEvent(event: unknown): void;
      PopStateEvent: new (type: string) => unknown;
    };
    browser.history.pushState(null, '', target);
    browser.dispatchEvent(new browser.PopStateEvent('popstate'));
  }, url);
}

/**
 * The pages before the shell, in a browser of their own that asks for the language and the theme:
 * the login's code step (the administrator has 2FA on) and the forced password change (the
 * newcomer's). Neither is completed, so the next loop can show them again.
 */
async function loginSteps(browser: Browser, lang: 'en' | 'ar', dark: boolean): Promise<void> {
  const prefix = dark ? 'dark-' : '';
  const own = await browser.newContext({
    locale: lang === 'ar' ? 'ar-SA' : 'en-US',
    colorScheme: dark ? 'dark' : 'light',
  });
  const before = await own.newPage();
  // The light English code step is checked where 2FA is turned on; each unfinished login counts
  // towards the administrator's lockout (5 in 5 minutes), so it is not repeated here.
  if (lang === 'ar' || dark) {
    await before.goto(server.loginUrl);
    await expect(before.locator('html')).toHaveAttribute('lang', lang);
    await logIn(server.username, NEW_PASSWORD, before, lang);
    await expect(before.getByLabel(LOGIN_WORDS[lang].code)).toBeFocused();
    await expectAccessible(before, `${prefix}${lang} login code step`);
    await screenshot(before, `${prefix}login-code`);
  }

  const { username, password } = await newcomerAccount();
  await before.goto(server.loginUrl);
  await logIn(username, password, before, lang);
  const title = { en: 'Choose your own password', ar: 'اختر كلمة مرورك الخاصة' }[lang];
  await expect(before.getByRole('heading', { level: 1, name: title })).toBeVisible();
  if (dark) await expect(before.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await expectAccessible(before, `${prefix}${lang} forced password change`);
  await screenshot(before, `${prefix}password-change`);
  await own.close();
}

for (const lang of ['ar', 'en'] as const) {
  test(`every page in ${lang === 'ar' ? 'Arabic' : 'English'}: accessible, and a screenshot`, async ({
    browser,
  }) => {
    test.setTimeout(PAGE_LOOP_TIMEOUT_MS);
    if (lang === 'en') {
      await page.getByRole('button', { name: 'اللغة' }).click();
      await page.getByRole('menuitem', { name: 'English' }).click();
      await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    }
    for (const entry of pages()) {
      await openPage(page, entry);
      await expect(page.getByRole('heading', { level: 1, name: entry.heading[lang] })).toBeVisible();
      await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
      await expectAccessible(page, `${lang} ${entry.path}`);
      await screenshot(page, entry.shot);
    }
    await loginSteps(browser, lang, false);
  });
}

test('the dark theme, which follows the OS, is accessible too', async ({ browser }) => {
  test.setTimeout(PAGE_LOOP_TIMEOUT_MS);
  const dark = await browser.newContext({ colorScheme: 'dark', storageState: await context.storageState() });
  const darkPage = await dark.newPage();
  for (const entry of pages()) {
    await openPage(darkPage, entry);
    await expect(darkPage.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
    await expect(darkPage.getByRole('heading', { level: 1, name: entry.heading.en })).toBeVisible();
    await expect(darkPage.locator('[aria-busy="true"]')).toHaveCount(0);
    await expectAccessible(darkPage, `dark ${entry.path}`);
    await screenshot(darkPage, `dark-${entry.shot}`);
  }
  await dark.close();
  await loginSteps(browser, 'en', true);
});

test('websites: deletes the site the loops visited', async () => {
  expect(loopSiteId).not.toBe('');
  await page.goto(`${server.loginUrl}/websites/${loopSiteId}`);
  await page.getByRole('button', { name: 'Delete website' }).click();
  const confirm = page.getByRole('dialog', { name: `Delete ${LOOP_SITE}?` });
  await confirm.getByRole('button', { name: 'Delete website' }).click();
  await expect(page.getByText(`${LOOP_SITE} is deleted.`)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('No websites yet.')).toBeVisible();
});

test('databases: deletes the database once its name is typed, and its user with it', async () => {
  expect(databaseId).not.toBe('');
  await page.goto(`${server.loginUrl}/databases/${databaseId}`);
  await page.getByRole('button', { name: `Delete the database ${DATABASE}` }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${DATABASE}?` });
  const confirm = dialog.getByRole('button', { name: 'Delete' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(`Type ${DATABASE} to confirm`).fill(DATABASE);
  await confirm.click();
  await expect(page.getByText(`The database ${DATABASE} is deleted.`)).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Databases' })).toBeVisible();
  await expect(page.getByRole('link', { name: DATABASE })).toHaveCount(0);
  expect(await runObjects()).toEqual({ databases: [], users: [] });
});

test('the login page in Arabic follows the browser before anyone logs in', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'ar-SA' });
  const arabic = await context.newPage();
  await arabic.goto(server.loginUrl);
  await expect(arabic.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(arabic.getByRole('heading', { name: 'الدخول إلى ديوان' })).toBeVisible();
  await expectAccessible(arabic, 'ar login');
  await screenshot(arabic, 'login');
  // By keyboard alone: the username field has the focus, Tab moves on, Enter submits.
  await expect(arabic.getByLabel(/^اسم المستخدم/)).toBeFocused();
  await arabic.keyboard.type(server.username);
  await arabic.keyboard.press('Tab');
  await arabic.keyboard.type('not-the-password');
  await arabic.keyboard.press('Enter');
  await expect(arabic.getByRole('alert')).toHaveText('اسم المستخدم أو كلمة المرور أو الرمز غير صحيح.');
  await context.close();
});
