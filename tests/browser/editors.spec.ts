/**
 * The editors in a real browser: the real components and @grafana/ui in
 * headless Chromium (harness/), driven like a user. Assertions are on what is
 * visible (roles, labels, text) and on the payloads the editors hand to
 * Grafana (onOptionsChange / onChange, recorded on window.__harness).
 *
 * Also writes the README's screenshots (docs/img/*.png).
 */
import type { Locator, Page } from '@playwright/test';

import { DATASOURCE_UID, EDITOR_RANGE, FAILING_LOOKUP_ERROR, HEALTH, LOOKUPS } from './harness/fixtures';
import { expect, test } from './test';

type Json = any;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The menu of the open Combobox (closed menus are not displayed). */
const menu = (page: Page) => page.getByRole('listbox');

/** An option of the open menu, by its label (descriptions aside). */
function option(page: Page, label: string): Locator {
  return menu(page)
    .getByRole('option')
    .filter({ has: page.getByText(label, { exact: true }) });
}

/**
 * Opens a Combobox by its input and picks an option. A MultiCombobox keeps
 * its menu open for more choices: Escape closes it, as a user would.
 */
async function choose(page: Page, input: Locator, label: string) {
  await input.click();
  await option(page, label).click();
  if (await menu(page).isVisible()) {
    await page.keyboard.press('Escape');
  }
  await expect(menu(page)).toBeHidden();
}

const resourceUrl = (path: string) => `GET /api/datasources/uid/${DATASOURCE_UID}/resources/${path}`;

/** A look-up request over the query editor's time range (whole minutes already). */
const lookupUrl = (kind: string, provider: string) =>
  resourceUrl(`${kind}?provider=${provider}&from=${EDITOR_RANGE.from}&to=${EDITOR_RANGE.to}`);

// ---------------------------------------------------------------------------
// Config editor

const PROVIDER_FIELDS: Array<{ id: string; label: string; fields: string[]; secret: string }> = [
  { id: 'domo', label: 'Domo', fields: ['Instance', 'URL'], secret: 'Access token' },
  { id: 'domo-platform', label: 'Domo platform API', fields: ['Client ID', 'URL'], secret: 'Client secret' },
  { id: 'domino', label: 'Domino Data Lab', fields: ['Domino Data Lab URL'], secret: 'Token' },
  { id: 'datafold', label: 'Datafold', fields: [], secret: 'API key' },
  { id: 'thousandeyes', label: 'Cisco ThousandEyes', fields: ['Account group ID', 'URL'], secret: 'User API token' },
];

/** The collapsible header of a provider's section ("Domo Enabled"). */
const sectionHeader = (page: Page, label: string) =>
  page.getByRole('button', { name: new RegExp(`^${escape(label)} (Enabled|Disabled)$`) });

const section = (page: Page, id: string) => page.getByTestId(`config-${id}-section`);

/**
 * A field's input by its label. Grafana's <label> holds the field's name,
 * " *" when required, then its description, with no space between them in
 * the label's text: the name must not run on into lower-case letters.
 */
const field = (scope: Locator | Page, label: string) =>
  scope.getByLabel(new RegExp(`^${escape(label)}( \\*)?(?![a-z0-9])`));

/**
 * Turns a Grafana Switch on or off the way a user does: by clicking the
 * toggle drawn by the label next to the (transparent) checkbox.
 */
async function setSwitch(sw: Locator, on: boolean) {
  if ((await sw.isChecked()) !== on) {
    await sw.locator('xpath=following-sibling::label[1]').click();
  }
  await expect(sw).toBeChecked({ checked: on });
}

test.describe('config editor', () => {
  test('a new data source lists every provider, none enabled', async ({ page, harness }) => {
    await harness.open('config');
    await expect(page.getByText('No provider is enabled yet')).toBeVisible();
    for (const p of PROVIDER_FIELDS) {
      await expect(sectionHeader(page, p.label)).toHaveAccessibleName(`${p.label} Disabled`);
      await expect(sectionHeader(page, p.label)).toHaveAttribute('aria-expanded', 'false');
    }
    await expect(field(page, 'Max events')).toHaveAttribute('placeholder', '100000');
  });

  test('enabling each provider shows its own fields', async ({ page, harness }) => {
    await harness.open('config');
    for (const p of PROVIDER_FIELDS) {
      await sectionHeader(page, p.label).click();
      const s = section(page, p.id);
      const toggle = s.getByRole('switch', { name: `Enable ${p.label}` });
      await expect(toggle).not.toBeChecked();
      await expect(field(s, p.secret)).toHaveCount(0);
      await setSwitch(toggle, true);
      await expect(sectionHeader(page, p.label)).toHaveAccessibleName(`${p.label} Enabled`);
      for (const f of p.fields) {
        await expect(field(s, f)).toBeVisible();
      }
      await expect(field(s, p.secret)).toBeVisible();
      await expect(field(s, p.secret)).toHaveAttribute('type', 'password');
      const settings: Json = await harness.last('config');
      expect(settings.jsonData.providers[p.id]).toEqual({ enabled: true });
    }
    await expect(page.getByText('No provider is enabled yet')).toBeHidden();

    // Provider-specific controls.
    const domino = section(page, 'domino');
    await expect(domino.getByRole('radio', { name: 'Bearer token' })).toBeChecked();
    await expect(domino.getByRole('radio', { name: 'API key (legacy)' })).not.toBeChecked();
    const datafold = section(page, 'datafold');
    for (const r of ['US', 'EU', 'Dedicated']) {
      await expect(datafold.getByRole('radio', { name: r, exact: true })).toBeVisible();
    }
    await expect(datafold.getByRole('radio', { name: 'US', exact: true })).toBeChecked();

    const settings: Json = await harness.last('config');
    expect(Object.keys(settings.jsonData.providers)).toEqual(PROVIDER_FIELDS.map((p) => p.id));
    // Turning one off keeps its section open but hides its fields.
    await setSwitch(section(page, 'domo').getByRole('switch', { name: 'Enable Domo' }), false);
    await expect(field(section(page, 'domo'), 'Instance')).toHaveCount(0);
    expect(((await harness.last('config')) as Json).jsonData.providers.domo).toEqual({ enabled: false });
  });

  test('typing into fields writes the settings and shows what is wrong', async ({ page, harness }) => {
    await harness.open('config');

    await sectionHeader(page, 'Domo').click();
    const domo = section(page, 'domo');
    await setSwitch(domo.getByRole('switch', { name: 'Enable Domo' }), true);
    await field(domo, 'Instance').fill('acme.domo.com');
    await expect(
      domo.getByText(
        'Instance "acme.domo.com" should be only the name before .domo.com (acme for https://acme.domo.com)'
      )
    ).toBeVisible();
    await field(domo, 'Instance').fill('acme');
    await expect(domo.getByText('should be only the name before .domo.com')).toBeHidden();
    // The URL's placeholder follows the instance.
    await expect(field(domo, 'URL')).toHaveAttribute('placeholder', 'https://acme.domo.com');
    await field(domo, 'URL').fill('ftp://audit.example.com');
    await expect(domo.getByText('URL "ftp://audit.example.com" must start with https://')).toBeVisible();
    // The same rules as Save & test: https and the bare host on the vendor's own domain.
    await field(domo, 'URL').fill('http://acme.domo.com');
    await expect(domo.getByText("is Domo's own host, which must be reached over https")).toBeVisible();
    await field(domo, 'URL').fill('http://vendorsim:8099');
    await expect(domo.getByRole('alert')).toHaveCount(0);
    await field(domo, 'URL').fill('');
    await field(domo, 'Access token').fill('domo-secret');

    await sectionHeader(page, 'Domino Data Lab').click();
    const domino = section(page, 'domino');
    await setSwitch(domino.getByRole('switch', { name: 'Enable Domino Data Lab' }), true);
    await field(domino, 'Domino Data Lab URL').fill('https://domino.example.com');
    await domino.getByRole('radio', { name: 'API key (legacy)' }).check();

    await sectionHeader(page, 'Datafold').click();
    const datafold = section(page, 'datafold');
    await setSwitch(datafold.getByRole('switch', { name: 'Enable Datafold' }), true);
    await datafold.getByRole('radio', { name: 'EU', exact: true }).check();
    let settings: Json = await harness.last('config');
    expect(settings.jsonData.providers.datafold).toEqual({ enabled: true, url: 'https://eu.datafold.com' });
    await expect(field(datafold, 'Datafold URL')).toHaveCount(0);
    await datafold.getByRole('radio', { name: 'Dedicated', exact: true }).check();
    await expect(field(datafold, 'Datafold URL')).toBeVisible();
    await field(datafold, 'Datafold URL').fill('https://datafold.acme.com');

    await sectionHeader(page, 'Cisco ThousandEyes').click();
    const te = section(page, 'thousandeyes');
    await setSwitch(te.getByRole('switch', { name: 'Enable Cisco ThousandEyes' }), true);
    await field(te, 'Account group ID').fill('1234');
    await field(te, 'User API token').fill('te-token');

    await field(page, 'Max events').fill('5000');
    await page.getByRole('button', { name: 'Expand section Advanced' }).click();
    await field(page, 'Cache TTL (seconds)').fill('-1');

    settings = await harness.last('config');
    expect(settings.jsonData).toEqual({
      providers: {
        domo: { enabled: true, instance: 'acme' },
        domino: { enabled: true, url: 'https://domino.example.com', authType: 'apiKey' },
        datafold: { enabled: true, url: 'https://datafold.acme.com' },
        thousandeyes: { enabled: true, accountGroupId: '1234' },
      },
      maxEvents: 5000,
      cacheTTLSeconds: -1,
    });
    expect(settings.secureJsonData).toEqual({ domoToken: 'domo-secret', thousandeyesToken: 'te-token' });
  });

  test('a configured secret can be reset and replaced', async ({ page, harness }) => {
    await harness.open('config', { scenario: 'configured' });
    const domo = section(page, 'domo');
    const te = section(page, 'thousandeyes');
    // Saved sections open with their values; the secrets only say "configured".
    await expect(field(domo, 'Instance')).toHaveValue('acme');
    await expect(field(te, 'Account group ID')).toHaveValue('1234');
    await expect(field(domo, 'Access token')).toHaveValue('configured');
    await expect(field(domo, 'Access token')).toBeDisabled();
    await expect(field(te, 'User API token')).toBeDisabled();
    // The request rate, the timeout and the saved CA certificate.
    await expect(field(te, 'Requests per minute')).toHaveValue('120');
    await expect(field(domo, 'Requests per minute')).toHaveValue('');
    await expect(field(page, 'Timeout')).toHaveValue('60');
    await expect(page.getByRole('checkbox', { name: 'Add self-signed certificate' })).toBeChecked();
    await expect(field(page, 'CA Certificate')).toHaveValue('configured');
    await harness.screenshot('config-editor.png');

    await domo.getByRole('button', { name: 'Reset' }).click();
    let settings: Json = await harness.last('config');
    expect(settings.secureJsonFields).toEqual({ domoToken: false, thousandeyesToken: true, tlsCACert: true });
    expect(settings.secureJsonData).toEqual({ domoToken: '' });
    await expect(field(domo, 'Access token')).toBeEnabled();
    await expect(field(domo, 'Access token')).toHaveValue('');
    await expect(field(domo, 'Access token')).toHaveAttribute('type', 'password');
    await expect(domo.getByRole('button', { name: 'Reset' })).toHaveCount(0);
    // The other secret is untouched.
    await expect(field(te, 'User API token')).toBeDisabled();

    await field(domo, 'Access token').fill('new-domo-token');
    settings = await harness.last('config');
    expect(settings.secureJsonData).toEqual({ domoToken: 'new-domo-token' });
    expect(settings.jsonData.providers.domo).toEqual({ enabled: true, instance: 'acme' });
  });
});

test.describe('config editor: rate and connection', () => {
  test('each provider has a request rate, explained in a tooltip', async ({ page, harness }) => {
    await harness.open('config', { scenario: 'configured' });
    const te = section(page, 'thousandeyes');
    await expect(
      te.getByText("Optional. Empty: Cisco ThousandEyes' documented limit, 240 requests per minute; -1: no pacing.")
    ).toBeVisible();
    await expect(
      section(page, 'domo').getByText('Optional. Empty or -1: no pacing (Domo documents no rate limit).')
    ).toBeVisible();
    await te.locator('label[for="config-thousandeyes-requestsPerMinute"] svg').hover();
    await expect(page.getByRole('tooltip')).toContainText(
      'The most requests per minute the backend sends to Cisco ThousandEyes'
    );

    await field(te, 'Requests per minute').fill('-1');
    let settings: Json = await harness.last('config');
    expect(settings.jsonData.providers.thousandeyes).toEqual({
      enabled: true,
      accountGroupId: '1234',
      requestsPerMinute: -1,
    });
    await field(te, 'Requests per minute').fill('-7');
    await expect(te.getByText('A whole number of requests per minute, or -1 for no pacing')).toBeVisible();
    await field(te, 'Requests per minute').fill('');
    settings = await harness.last('config');
    expect(settings.jsonData.providers.thousandeyes).toEqual({ enabled: true, accountGroupId: '1234' });
    await expect(te.getByRole('alert')).toHaveCount(0);
  });

  test("timeout and TLS write Grafana's standard keys; a saved certificate can be reset", async ({ page, harness }) => {
    await harness.open('config', { scenario: 'configured' });
    await field(page, 'Timeout').fill('90');
    let settings: Json = await harness.last('config');
    expect(settings.jsonData.timeout).toBe(90);
    await field(page, 'Timeout').fill('0');
    await expect(page.getByText('A whole number of seconds, 1 or more')).toBeVisible();
    settings = await harness.last('config');
    expect(settings.jsonData).not.toHaveProperty('timeout');
    await field(page, 'Timeout').fill('');

    // The saved CA certificate: only "configured" reaches the browser; Reset clears it.
    const ca = field(page, 'CA Certificate');
    await expect(ca).toBeDisabled();
    await ca.locator('xpath=ancestor::div[1]/..').getByRole('button', { name: 'Reset' }).click();
    settings = await harness.last('config');
    expect(settings.secureJsonFields).toEqual({ domoToken: true, thousandeyesToken: true, tlsCACert: false });
    expect(settings.secureJsonData).toEqual({ tlsCACert: '' });
    await ca.fill('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----');
    settings = await harness.last('config');
    expect(settings.secureJsonData.tlsCACert).toContain('MIIBszCCAVmgAwIBAgIU');
    expect(settings.jsonData.tlsAuthWithCACert).toBe(true);

    await page.getByText('Skip TLS certificate validation').click();
    settings = await harness.last('config');
    expect(settings.jsonData.tlsSkipVerify).toBe(true);
    await page.getByText('Add self-signed certificate').click();
    settings = await harness.last('config');
    expect(settings.jsonData.tlsAuthWithCACert).toBe(false);
    expect(settings.secureJsonData.tlsCACert).toBe('');
    await expect(field(page, 'CA Certificate')).toHaveCount(0);
  });
});

test.describe('config editor: rate limit reserve and shared state', () => {
  const shared = (page: Page) => page.getByTestId('config-shared-state-section');
  const sharedToggle = (page: Page, action: 'Expand' | 'Collapse') =>
    page.getByRole('button', { name: `${action} section Grafana HA: shared state` });

  test('the reserve and a Redis URL with its password are typed in', async ({ page, harness }) => {
    await harness.open('config', { scenario: 'configured' });
    const reserve = field(page, 'Rate limit reserve (%)');
    await expect(reserve).toHaveValue('');
    await expect(reserve).toHaveAttribute('placeholder', '10');
    await reserve.fill('25');
    let settings: Json = await harness.last('config');
    expect(settings.jsonData.rateLimitReserve).toBe(25);
    await reserve.fill('95');
    await expect(page.getByText('A whole percentage from 0 to 90 (default 10)')).toBeVisible();
    settings = await harness.last('config');
    expect(settings.jsonData).not.toHaveProperty('rateLimitReserve');
    await reserve.fill('0');
    await expect(page.getByRole('alert')).toHaveCount(0);
    settings = await harness.last('config');
    expect(settings.jsonData.rateLimitReserve).toBe(0);

    // Closed while no Redis URL is set; its description says what it is for.
    await expect(page.getByText('so N replicas cost one vendor read')).toBeVisible();
    await expect(field(page, 'Redis URL')).toHaveCount(0);
    await sharedToggle(page, 'Expand').click();
    const url = field(shared(page), 'Redis URL');
    await expect(url).toHaveAttribute('placeholder', 'redis://redis:6379/0');
    await url.fill('localhost:6379');
    await expect(
      shared(page).getByText('Not a redis:// or rediss:// URL with a host (e.g. redis://redis:6379/0)')
    ).toBeVisible();
    await url.fill('redis://:hunter2@redis:6379/0');
    await expect(shared(page).getByRole('alert')).toHaveText(
      'The URL holds a password; put the password in the Redis password field, where it is stored encrypted'
    );
    await url.fill('redis://redis:6379/0');
    await expect(shared(page).getByRole('alert')).toHaveCount(0);
    const password = field(shared(page), 'Redis password');
    await expect(password).toHaveAttribute('type', 'password');
    await password.fill('redis-secret');

    settings = await harness.last('config');
    expect(settings.jsonData).toEqual({
      providers: {
        domo: { enabled: true, instance: 'acme' },
        thousandeyes: { enabled: true, accountGroupId: '1234', requestsPerMinute: 120 },
      },
      maxEvents: 50000,
      timeout: 60,
      tlsAuthWithCACert: true,
      rateLimitReserve: 0,
      redisUrl: 'redis://redis:6379/0',
    });
    expect(settings.secureJsonData).toEqual({ redisPassword: 'redis-secret' });

    // Cleared: the key goes (shared state off).
    await url.fill('');
    settings = await harness.last('config');
    expect(settings.jsonData).not.toHaveProperty('redisUrl');
  });

  test('a saved Redis password is only "configured" and can be reset', async ({ page, harness }) => {
    await harness.open('config', { scenario: 'shared' });
    await expect(field(page, 'Rate limit reserve (%)')).toHaveValue('25');
    await expect(sharedToggle(page, 'Collapse')).toBeVisible();
    await expect(field(shared(page), 'Redis URL')).toHaveValue('redis://redis:6379/0');
    const password = field(shared(page), 'Redis password');
    await expect(password).toHaveValue('configured');
    await expect(password).toBeDisabled();

    await shared(page).getByRole('button', { name: 'Reset' }).click();
    let settings: Json = await harness.last('config');
    expect(settings.secureJsonFields).toEqual({ thousandeyesToken: true, redisPassword: false });
    expect(settings.secureJsonData).toEqual({ redisPassword: '' });
    await expect(password).toBeEnabled();
    await expect(password).toHaveValue('');
    await expect(shared(page).getByRole('button', { name: 'Reset' })).toHaveCount(0);
    await password.fill('new-redis-secret');
    settings = await harness.last('config');
    expect(settings.secureJsonData).toEqual({ redisPassword: 'new-redis-secret' });
    expect(settings.jsonData).toEqual({
      providers: { thousandeyes: { enabled: true } },
      rateLimitReserve: 25,
      redisUrl: 'redis://redis:6379/0',
    });
  });
});

// ---------------------------------------------------------------------------
// Query editor

const providerInput = (page: Page) => page.getByRole('combobox', { name: 'Provider', exact: true });
const lookupInput = (page: Page, label: 'Events' | 'Object types' | 'Users') =>
  page.getByRole('combobox', { name: label, exact: true });
const radio = (scope: Locator | Page, name: string) => scope.getByRole('radio', { name, exact: true });

test.describe('query editor', () => {
  test('picks a provider and events loaded from the backend', async ({ page, harness }) => {
    const frame = await harness.open('query');
    await expect(radio(page, 'Table')).toBeChecked();

    await providerInput(page).click();
    for (const label of ['All providers', 'Domo', 'Domino Data Lab', 'Datafold', 'Cisco ThousandEyes', '$provider']) {
      await expect(option(page, label)).toBeVisible();
    }
    await option(page, 'Domo').click();
    let q: Json = await harness.last('query');
    expect(q).toMatchObject({ refId: 'A', provider: 'domo', format: 'table', events: [] });
    expect(await harness.runs()).toBe(1);
    // One provider without account groups or projects: no provider options.
    await expect(page.getByText('ThousandEyes account group')).toHaveCount(0);
    await expect(page.getByText('Domino project')).toHaveCount(0);

    // The events menu loads the values the backend has seen (the look-up
    // takes a moment, held here until the loading state has been seen).
    await harness.holdLookups(true);
    await lookupInput(page, 'Events').click();
    await expect(menu(page).getByText('Loading options...')).toBeVisible();
    await harness.holdLookups(false);
    for (const o of LOOKUPS.domo.events) {
      await expect(option(page, o.label)).toBeVisible();
    }
    await expect(page.getByText('Loading options...')).toHaveCount(0);
    await option(page, 'Exported').click();
    q = await harness.last('query');
    expect(q.events).toEqual(['Exported']);
    // The menu stays open for more.
    await option(page, 'Failed login').click();
    await page.keyboard.press('Escape');
    q = await harness.last('query');
    expect(q.events).toEqual(['Exported', 'Failed login']);

    // Users: the label shows the e-mail, the query keeps the value.
    await choose(page, lookupInput(page, 'Users'), 'Ana Silva (ana@example.com)');
    q = await harness.last('query');
    expect(q.users).toEqual(['Ana Silva']);
    await expect(frame.getByText('Ana Silva (ana@example.com)', { exact: true })).toBeVisible();

    // Enter runs the search (and so does leaving the field).
    const runs = await harness.runs();
    await page.getByLabel('Search', { exact: true }).fill('quarterly');
    await page.getByLabel('Search', { exact: true }).press('Enter');
    expect(await harness.runs()).toBe(runs + 1);
    await expect(page.getByLabel('Search', { exact: true })).toBeFocused();
    q = await harness.last('query');
    expect(q).toEqual({
      refId: 'A',
      provider: 'domo',
      format: 'table',
      events: ['Exported', 'Failed login'],
      objectTypes: [],
      users: ['Ana Silva'],
      search: 'quarterly',
      groupBy: 'none',
      limit: 10,
      options: {},
    });
    // Each look-up was asked once, for the chosen provider, over the dashboard's time range.
    expect(await harness.all('requests')).toEqual([lookupUrl('events', 'domo'), lookupUrl('users', 'domo')]);
    await harness.screenshot('query-editor.png');
  });

  test('time series shows group by and top N; ThousandEyes its account group', async ({ page, harness }) => {
    await harness.open('query');
    await choose(page, providerInput(page), 'Cisco ThousandEyes');
    await expect(page.getByText('Group by')).toHaveCount(0);

    await radio(page, 'Time series').check();
    let q: Json = await harness.last('query');
    expect(q).toMatchObject({ provider: 'thousandeyes', format: 'timeseries', groupBy: 'none' });
    for (const g of ['None', 'Event', 'User', 'Object type', 'Provider', 'IP address']) {
      await expect(radio(page, g)).toBeVisible();
    }
    await expect(radio(page, 'None')).toBeChecked();
    await expect(page.getByText('Top N')).toHaveCount(0);

    await radio(page, 'User').check();
    await expect(page.getByText('Top N')).toBeVisible();
    const topN = page.locator('#audit-limit-A');
    await expect(topN).toHaveValue('10');
    await topN.fill('5');
    await topN.press('Enter');
    q = await harness.last('query');
    expect(q).toMatchObject({ format: 'timeseries', groupBy: 'user', limit: 5 });

    // ThousandEyes: its own events, and its account group options.
    await choose(page, lookupInput(page, 'Events'), 'Login failed.');
    const aid = page.getByLabel('ThousandEyes account group');
    await expect(aid).toBeVisible();
    await expect(aid).toHaveAttribute('placeholder', 'Data source default');
    await expect(page.getByRole('switch', { name: 'All account groups' })).not.toBeChecked();
    await aid.fill('5678');
    await aid.blur();
    q = await harness.last('query');
    expect(q).toMatchObject({
      provider: 'thousandeyes',
      format: 'timeseries',
      events: ['Login failed.'],
      groupBy: 'user',
      limit: 5,
      options: { accountGroupId: '5678' },
    });
    expect(await harness.all('requests')).toEqual([lookupUrl('events', 'thousandeyes')]);
    await harness.screenshot('query-editor-timeseries.png');

    // All account groups replaces the single one.
    await setSwitch(page.getByRole('switch', { name: 'All account groups' }), true);
    await expect(aid).toBeDisabled();
    q = await harness.last('query');
    expect(q.options).toEqual({ accountGroupId: '5678', allAccountGroups: true });
    await setSwitch(page.getByRole('switch', { name: 'All account groups' }), false);
    await expect(aid).toBeEnabled();
    expect(((await harness.last('query')) as Json).options).toEqual({ accountGroupId: '5678' });

    // Domino has a project option instead; group by stays.
    await choose(page, providerInput(page), 'Domino Data Lab');
    await expect(page.getByLabel('ThousandEyes account group')).toHaveCount(0);
    await expect(page.getByLabel('Domino project')).toBeVisible();
    await expect(radio(page, 'User')).toBeChecked();
  });

  test('a failing look-up says so and still takes typed values', async ({ page, harness }) => {
    await harness.open('query');
    await choose(page, providerInput(page), 'Datafold');
    await lookupInput(page, 'Users').click();
    await expect(
      page.getByText(`Could not load suggestions (${FAILING_LOOKUP_ERROR}); you can still type values.`)
    ).toBeVisible();
    // Only the dashboard's variables are left to choose from.
    await expect(menu(page).getByRole('option')).toHaveText(
      ['Suggestions unavailable: type a value', '$provider', '$user'].map((v) => new RegExp(`^${escape(v)}`))
    );
    // Enter takes the typed value.
    await lookupInput(page, 'Users').fill('zoe@example.com');
    await expect(option(page, 'zoe@example.com')).toBeVisible();
    await page.keyboard.press('Enter');
    const q: Json = await harness.last('query');
    expect(q.users).toEqual(['zoe@example.com']);
    await page.keyboard.press('Escape');
    await expect(page.getByLabel('Remove zoe@example.com')).toBeVisible();
  });

  test('a bad saved value is reported the way the backend would', async ({ page, harness }) => {
    await harness.open('query');
    await providerInput(page).fill('splunk');
    await page.keyboard.press('Enter');
    await expect(page.getByText('This query cannot run')).toBeVisible();
    await expect(page.getByText(/provider: unknown provider "splunk"/)).toBeVisible();
    await choose(page, providerInput(page), 'All providers');
    await expect(page.getByText('This query cannot run')).toHaveCount(0);
  });

  test('Explore starts in logs format; examples fill the query', async ({ page, harness }) => {
    await harness.open('query', { app: 'explore' });
    await expect(radio(page, 'Logs')).toBeChecked();
    await page.getByRole('button', { name: 'Query examples' }).click();
    await page.getByRole('button', { name: 'Use example: Failed logins per user' }).click();
    const q: Json = await harness.last('query');
    expect(q).toMatchObject({ format: 'timeseries', groupBy: 'user', limit: 10 });
    expect(q.events).toContain('Login failed.');
    await expect(radio(page, 'Time series')).toBeChecked();
    await expect(radio(page, 'User')).toBeChecked();
  });
});

// ---------------------------------------------------------------------------
// Alert rules

test.describe('query editor in an alert rule', () => {
  test('offers time series only, and no dashboard variables', async ({ page, harness }) => {
    await harness.open('query', { app: 'unified-alerting' });
    await expect(page.getByText('Time series: alert rules evaluate event counts over time.')).toBeVisible();
    for (const f of ['Table', 'Logs', 'Time series']) {
      await expect(radio(page, f)).toHaveCount(0);
    }
    await expect(radio(page, 'User')).toBeVisible();
    await providerInput(page).click();
    await expect(menu(page).getByRole('option')).toHaveText(
      ['All providers', 'Domo', 'Domino Data Lab', 'Datafold', 'Cisco ThousandEyes'].map(
        (v) => new RegExp(`^${escape(v)}`)
      )
    );
    await option(page, 'Cisco ThousandEyes').click();
    await lookupInput(page, 'Events').click();
    await expect(option(page, 'Login failed.')).toBeVisible();
    await expect(option(page, '$provider')).toHaveCount(0);
    await option(page, 'Login failed.').click();
    await page.keyboard.press('Escape');
    const q: Json = await harness.last('query');
    expect(q).toMatchObject({ provider: 'thousandeyes', format: 'timeseries', events: ['Login failed.'] });
    await page.getByRole('button', { name: 'Query examples' }).click();
    await expect(page.getByRole('button', { name: /^Use example/ })).toHaveCount(2);
  });

  test('a rule saved as a table switches to time series and says so', async ({ page, harness }) => {
    await harness.open('query', { app: 'unified-alerting', format: 'table' });
    await expect(page.getByText('Format changed to Time series')).toBeVisible();
    await expect(
      page.getByText(/This query was saved with the Table format, which an alert rule cannot evaluate/)
    ).toBeVisible();
    const q: Json = await harness.last('query');
    expect(q.format).toBe('timeseries');
    expect(await harness.runs()).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// Save & test

test.describe('Save & test', () => {
  test('a working data source lists every provider', async ({ page, harness }) => {
    await harness.open('health');
    await page.getByRole('button', { name: 'Save & test' }).click();
    const status = page.getByLabel('Data source connection status');
    const details = HEALTH.ok.body.details as Json;
    await expect(status).toContainText(HEALTH.ok.body.message);
    await expect(status.getByText(details.message, { exact: true })).toBeVisible();
    await status.getByText('Click to view more details').click();
    // One line per provider.
    expect((await status.locator('details > div').innerText()).split('\n')).toEqual(details.verboseMessage.split('\n'));
  });

  test('a failing provider: the summary, what to fix, and each provider', async ({ page, harness }) => {
    await harness.open('health', { health: 'failing' });
    await page.getByRole('button', { name: 'Save & test' }).click();
    const status = page.getByLabel('Data source connection status');
    const details = HEALTH.failing.body.details as Json;
    await expect(status).toContainText(HEALTH.failing.body.message);
    await expect(status.getByText(details.message, { exact: true })).toBeVisible();
    await status.getByText('Click to view more details').click();
    expect((await status.locator('details > div').innerText()).split('\n')).toEqual(details.verboseMessage.split('\n'));
  });
});

// ---------------------------------------------------------------------------
// Annotation editor

test('annotation editor: the query editor without a format, always a table', async ({ page, harness }) => {
  await harness.open('annotation');
  await expect(page.getByText('Format')).toHaveCount(0);
  await expect(page.getByText(/Each audit event becomes an annotation/)).toBeVisible();
  await choose(page, providerInput(page), 'Domino Data Lab');
  await choose(page, lookupInput(page, 'Events'), 'Add Collaborator');
  const q: Json = await harness.last('annotation');
  expect(q).toMatchObject({ refId: 'Anno', provider: 'domino', format: 'table', events: ['Add Collaborator'] });
});

// ---------------------------------------------------------------------------
// Variable editor

test.describe('variable editor', () => {
  test('an old string query opens as events; choosing users lists users', async ({ page, harness }) => {
    await harness.open('variable');
    const preview = page.getByTestId('variable-preview');
    // The variable was saved as the plain string "events".
    await expect(radio(page, 'Events')).toBeChecked();
    await expect(page.getByText('Events of all providers seen in the last day.')).toBeVisible();
    await expect(preview.getByText('Login failed.')).toBeVisible();

    await radio(page, 'Users').check();
    let v: Json = await harness.last('variable');
    expect(v).toEqual({ refId: 'AuditVariableQuery', kind: 'users', provider: 'all' });
    await expect(page.getByText('Users of all providers seen in the last day.')).toBeVisible();
    await expect(preview.getByText('Ana Silva (ana@example.com)')).toBeVisible();

    // Providers come from the backend's providers route; variables are offered too.
    await providerInput(page).click();
    for (const label of ['All providers', 'Domo', 'Cisco ThousandEyes', '$provider']) {
      await expect(option(page, label)).toBeVisible();
    }
    await option(page, 'Cisco ThousandEyes').click();
    const days = page.getByLabel('Days');
    await days.fill('7');
    await days.press('Enter');
    v = await harness.last('variable');
    expect(v).toEqual({ refId: 'AuditVariableQuery', kind: 'users', provider: 'thousandeyes', days: 7 });
    await expect(page.getByText('Users of Cisco ThousandEyes seen in the last 7 days.')).toBeVisible();
    for (const u of LOOKUPS.thousandeyes.users) {
      await expect(preview.getByText(u.label)).toBeVisible();
    }
    await expect(preview.getByText('Ana Silva (ana@example.com)')).toHaveCount(0);
    const values = await page.evaluate(() => window.__harness.preview);
    expect(values).toEqual(LOOKUPS.thousandeyes.users.map((u) => ({ text: u.label, value: u.value })));
    expect(await harness.all('requests')).toContain(resourceUrl('users?provider=thousandeyes&days=7'));
    await harness.screenshot('variable-editor.png');

    // Out of range: an error, and nothing is written.
    const before = (await harness.all('variable')).length;
    await days.fill('45');
    await days.blur();
    await expect(page.getByText('A whole number from 1 to 30')).toBeVisible();
    expect((await harness.all('variable')).length).toBe(before);

    // Providers need no provider or days.
    await radio(page, 'Providers').check();
    await expect(page.getByLabel('Days')).toHaveCount(0);
    await expect(page.getByText('Enabled providers.')).toBeVisible();
    await expect(preview.getByText('Cisco ThousandEyes')).toBeVisible();
  });
});
