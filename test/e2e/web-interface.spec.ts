import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
});

async function logIn(username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
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
  await expect(page.getByTestId('recovery-codes')).toBeVisible();
  expect((await page.getByTestId('recovery-codes').textContent())!.trim().split('\n')).toHaveLength(10);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByText('On', { exact: true })).toBeVisible();

  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await logIn(server.username, NEW_PASSWORD);
  const code = page.getByLabel('Code from your authenticator app');
  await expect(code).toBeFocused();
  // The enabling code's step is spent (replays are refused): the next one, which the server accepts.
  await code.fill(totpCode(secret, 1));
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
// axe on every page takes a few seconds each, many more on a busy machine.
const PAGE_LOOP_TIMEOUT_MS = 20_000 * PAGES.length;

for (const lang of ['ar', 'en'] as const) {
  test(`every page in ${lang === 'ar' ? 'Arabic' : 'English'}: accessible, and a screenshot`, async () => {
    test.setTimeout(PAGE_LOOP_TIMEOUT_MS);
    if (lang === 'en') {
      await page.getByRole('button', { name: 'اللغة' }).click();
      await page.getByRole('menuitem', { name: 'English' }).click();
      await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    }
    for (const { path, heading } of PAGES) {
      await page.goto(`${server.loginUrl}/${path}`);
      await expect(page.getByRole('heading', { level: 1, name: heading[lang] })).toBeVisible();
      await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
      await expectAccessible(page, `${lang} ${path}`);
      await screenshot(page, path.replace('/', '-'));
    }
  });
}

test('the dark theme, which follows the OS, is accessible too', async ({ browser }) => {
  test.setTimeout(PAGE_LOOP_TIMEOUT_MS);
  const dark = await browser.newContext({ colorScheme: 'dark', storageState: await context.storageState() });
  const darkPage = await dark.newPage();
  for (const { path, heading } of PAGES) {
    await darkPage.goto(`${server.loginUrl}/${path}`);
    await expect(darkPage.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
    await expect(darkPage.getByRole('heading', { level: 1, name: heading.en })).toBeVisible();
    await expect(darkPage.locator('[aria-busy="true"]')).toHaveCount(0);
    await expectAccessible(darkPage, `dark ${path}`);
    await screenshot(darkPage, `dark-${path.replace('/', '-')}`);
  }
  await dark.close();
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
