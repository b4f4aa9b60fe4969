/**
 * The Playwright test object of the browser tests: a static server for the
 * harness per worker (baseURL), pages that fail the test on any page error,
 * console error or missing file, a page clock set to a fixed moment
 * (HARNESS_NOW: no test depends on today's date), and helpers to read what
 * the editors reported (window.__harness).
 */
import { expect, Locator, Page, test as base } from '@playwright/test';
import path from 'node:path';

import { HARNESS_NOW } from './harness/fixtures';
import type { HarnessRecord } from './harness/record';
import { HarnessServer, startServer } from './server';

type ListKey = 'config' | 'query' | 'variable' | 'annotation' | 'requests';

export interface Harness {
  /** Opens index.html?editor=… and waits for the editor's frame (or the dashboard). */
  open: (
    editor: 'config' | 'query' | 'variable' | 'annotation' | 'health' | 'dashboard',
    params?: Record<string, string>
  ) => Promise<Locator>;
  /** Every payload of one kind so far. */
  all: <T = unknown>(key: ListKey) => Promise<T[]>;
  /** The latest payload of one kind (fails when there is none). */
  last: <T = unknown>(key: ListKey) => Promise<T>;
  /** onRunQuery calls so far. */
  runs: () => Promise<number>;
  /** Holds back (true) or lets go (false) the answers to resource requests. */
  holdLookups: (hold: boolean) => Promise<void>;
  /** Saves a PNG of the editor's frame for the docs. */
  screenshot: (name: string) => Promise<void>;
}

/** Where screenshots go: docs/img unless $BROWSER_SCREENSHOTS_DIR says otherwise. */
export const SCREENSHOT_DIR = process.env.BROWSER_SCREENSHOTS_DIR || path.resolve(__dirname, '../../docs/img');

export const test = base.extend<{ harness: Harness }, { server: HarnessServer }>({
  server: [
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],

  baseURL: async ({ server }, use) => {
    await use(server.url);
  },

  harness: async ({ page, server }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') {
        problems.push(`console error: ${m.text()}`);
      }
    });
    page.on('response', (r) => {
      if (r.status() >= 400) {
        problems.push(`HTTP ${r.status()} ${new URL(r.url()).pathname}`);
      }
    });
    const missingBefore = server.missing.length;
    let frame: Locator | undefined;
    const read = <T>(key: keyof HarnessRecord) => page.evaluate((k) => window.__harness[k], key) as Promise<T>;

    await use({
      open: async (editor, params = {}) => {
        const q = new URLSearchParams({ editor, ...params });
        // Date.now() and new Date() start at HARNESS_NOW and run on from there; timers fire as usual.
        await page.clock.install({ time: HARNESS_NOW });
        await page.goto(`/?${q}`);
        frame = page.getByTestId(`harness-${editor}`);
        await expect(frame).toBeVisible();
        // Fonts must be loaded for screenshots (and for layout-dependent clicks).
        await page.evaluate(() => document.fonts.ready.then(() => undefined));
        return frame;
      },
      all: (key) => read(key),
      last: async <T>(key: ListKey) => {
        const list = await read<T[]>(key);
        expect(list.length, `no ${key} payload yet`).toBeGreaterThan(0);
        return list[list.length - 1];
      },
      runs: () => read<number>('runs'),
      holdLookups: async (hold) => {
        await page.evaluate((h) => {
          window.__harness.holdLookups = h;
        }, hold);
      },
      screenshot: async (name) => {
        if (!frame) {
          throw new Error('open an editor first');
        }
        // No hover or focus styles in the docs.
        await page.mouse.move(0, 0);
        await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        await page.evaluate(() => document.fonts.ready.then(() => undefined));
        await frame.screenshot({ path: path.join(SCREENSHOT_DIR, name), animations: 'disabled' });
      },
    });

    // Grafana's faces (GlobalStyles' @font-face, served from @fontsource) must load.
    const fonts = frame
      ? await page.evaluate(() =>
          Promise.all(
            ['400 14px Inter', '500 14px Inter', '400 14px "Roboto Mono"'].map((f) =>
              document.fonts.load(f).then(
                (faces) => (faces.length > 0 ? '' : f),
                () => f
              )
            )
          ).then((bad) => bad.filter(Boolean))
        )
      : [];
    expect(problems, 'the page reported problems').toEqual([]);
    expect(server.missing.slice(missingBefore), 'files the page asked for but the server lacks').toEqual([]);
    expect(fonts, 'fonts that did not load').toEqual([]);
  },
});

export { expect };
export type { Page };
