/**
 * The provisioned "Audit overview" dashboard, drawn from the plugin's real
 * backend: the global setup ran every panel's queries through the Go
 * Datasource against the vendor simulator (cmd/dashframes); the harness page
 * lays the panels out on Grafana's grid with @grafana/ui's panels
 * (harness/dashboard.tsx). No Grafana server is involved.
 *
 * Writes the README's screenshot docs/img/dashboard.png.
 */
import fs from 'node:fs';

import { DASHBOARD_FILE, DASHBOARD_WIDTH } from './dashboard-frames';
import type { DashboardRecord } from './harness/record';
import { expect, test } from './test';

type Json = any;

const dashboard: Json = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
const panels: Json[] = dashboard.panels;

test.use({ viewport: { width: DASHBOARD_WIDTH, height: 1500 } });

test('the Audit overview dashboard shows the backend data in every panel', async ({ page, harness }) => {
  const board = await harness.open('dashboard', { uid: dashboard.uid });
  // Reading and preparing the frames (16,000 events in the tables) takes a few seconds.
  await expect(board).toHaveAttribute('aria-busy', 'false', { timeout: 20_000 });
  const record = (await page.evaluate(() => window.__harness.dashboard)) as DashboardRecord;

  // The queries the backend ran are the ones the plugin's frontend sends.
  expect(record.queryMismatches).toEqual([]);
  // Every panel got frames with rows, and no error.
  expect(record.panels.map((p) => p.id).sort()).toEqual(panels.map((p) => p.id).sort());
  for (const p of record.panels) {
    expect(p.error, `panel ${p.title}`).toBeUndefined();
    expect(p.rows, `rows of panel ${p.title}`).toBeGreaterThan(0);
  }
  // The permission-change annotations found events.
  expect(
    Object.values(record.annotations).every((n) => n > 0),
    JSON.stringify(record.annotations)
  ).toBe(true);

  await expect(board.getByText('No data', { exact: true })).toHaveCount(0);
  for (const p of panels) {
    const panel = page.getByTestId(`panel-${p.id}`);
    await expect(panel.getByRole('heading', { name: p.title })).toBeVisible();
    switch (p.type) {
      case 'timeseries': {
        await expect(panel.locator('.uplot canvas')).toHaveCount(1);
        // A legend entry (list or table) per series.
        const series = record.panels.find((r) => r.id === p.id)!.frames;
        await expect(panel.getByTestId('series-icon')).toHaveCount(series);
        break;
      }
      case 'bargauge':
        await expect(panel.getByTestId('data-testid Bar gauge value')).toHaveCount(
          record.panels.find((r) => r.id === p.id)!.frames
        );
        break;
      case 'table':
      case 'logs': {
        const rows = panel.getByRole('row');
        // The header and the rows in view (the table is virtualised).
        await expect(rows.nth(5)).toBeVisible();
        await expect(rows.nth(1).getByRole('gridcell').first()).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
        break;
      }
    }
  }
  // Permission changes are marked on "Events over time by provider" only.
  expect(await page.getByTestId('panel-1').getByTestId('annotation-marker').count()).toBeGreaterThan(0);
  await expect(page.getByTestId('panel-2').getByTestId('annotation-marker')).toHaveCount(0);

  await harness.screenshot('dashboard.png');
});
