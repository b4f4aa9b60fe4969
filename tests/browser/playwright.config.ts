/**
 * Browser tests of the editors (npm run test:browser). They run Debian's
 * Chromium (/usr/bin/chromium, or $CHROMIUM_PATH): Playwright never downloads
 * a browser here. Each worker launches it with a fresh temporary profile.
 *
 * Results: the list reporter on stdout, and Playwright's JSON report in
 * .test-results/browser.json (or $BROWSER_RESULTS) for the totals script.
 */
import { defineConfig } from '@playwright/test';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export default defineConfig({
  testDir: __dirname,
  testMatch: '*.spec.ts',
  globalSetup: require.resolve('./global-setup'),
  outputDir: path.join(__dirname, '.build/test-output'),
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: [
    ['list'],
    ['json', { outputFile: process.env.BROWSER_RESULTS || path.join(ROOT, '.test-results/browser.json') }],
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: 'dark',
    // Grafana then shows the hourglass instead of the spinner icon, which the
    // @grafana/ui package does not ship; it also keeps screenshots still.
    reducedMotion: 'reduce',
    locale: 'en-US',
    timezoneId: 'UTC',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
