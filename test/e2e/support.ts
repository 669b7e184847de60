import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TOTP } from 'otpauth';

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/** What the page's document.getAnimations() returns, as far as the wait below reads it. */
interface SettlingAnimation {
  playState: string;
  effect: { getComputedTiming(): { iterations?: number } } | null;
}

/** Zero serious or critical accessibility violations on what the page shows now. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // A toast fading in or out has, for a moment, too little contrast: axe looks at a settled page
  // (finite animations done; a skeleton's endless pulse does not count).
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { document: { getAnimations(): SettlingAnimation[] } }).document
        .getAnimations()
        .every(
          (animation) =>
            animation.playState !== 'running' ||
            animation.effect?.getComputedTiming().iterations === Infinity,
        ),
    undefined,
    { timeout: 10_000 },
  );
  const result = await new AxeBuilder({ page }).analyze();
  const serious = result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  expect(serious, `accessibility of ${name}`).toEqual([]);
}

/** test-results/screenshots/<lang>-<name>.png, the whole page. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const lang = (await page.locator('html').getAttribute('lang')) ?? 'xx';
  await page.screenshot({ path: `${SCREENSHOTS}${lang}-${name}.png`, fullPage: true });
}

/** The authenticator app: the code `stepsAhead` periods from now (the server accepts one either side). */
export function totpCode(secret: string, stepsAhead = 0): string {
  return new TOTP({ secret, algorithm: 'SHA1', digits: 6, period: 30 }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  });
}
