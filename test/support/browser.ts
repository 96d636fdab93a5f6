/** Real headless Chromium from Debian (/usr/bin/chromium), driven by playwright-core, for page tests. */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Signs in at oidc-provider's development login form (any password), confirming its consent prompt when
 * it shows one, and waits until the browser is back on `returnPrefix`.
 */
export async function signInAtDevProvider(page: Page, login: string, returnPrefix: string): Promise<void> {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await page.click('button[type="submit"]');
  await page.waitForURL((url) => url.href.startsWith(returnPrefix) || url.pathname.startsWith('/interaction/'));
  if (new URL(page.url()).pathname.startsWith('/interaction/')) {
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.href.startsWith(returnPrefix));
  }
}
