import React, { useState } from 'react';
import { CoreApp, dateTime, TimeRange } from '@grafana/data';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { QueryEditor } from './QueryEditor';
import { DataSource } from '../datasource';
import { FakeTemplateSrv, instanceSettings } from '../testUtils';
import { AuditQuery, CONTRACT_KEYS, LookupOption, normalizeQuery, PROVIDER_IDS, ProviderId } from '../types';

let templateSrv = new FakeTemplateSrv();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const LOOKUPS: Record<string, LookupOption[]> = {
  events: [
    { value: 'Login failed.', label: 'Login failed.' },
    { value: 'Report created.', label: 'Report created.' },
  ],
  users: [{ value: 'Ana Silva', label: 'Ana Silva (ana@example.com)' }],
  objectTypes: [{ value: 'testName', label: 'testName' }],
};

/** The dashboard's time range: 2026-03-10 06:00 to 12:00 UTC ("now" is never read). */
const RANGE_FROM = Date.UTC(2026, 2, 10, 6, 0, 0);
const RANGE_TO = Date.UTC(2026, 2, 10, 12, 0, 0);
const rangeOf = (from: number, to: number): TimeRange => ({
  from: dateTime(from),
  to: dateTime(to),
  raw: { from: dateTime(from), to: dateTime(to) },
});
const DAY = 24 * 3600 * 1000;

interface SetupOptions {
  enabled?: ProviderId[];
  getResource?: jest.Mock;
  app?: CoreApp;
  range?: TimeRange | null;
}

function setup(query: Partial<AuditQuery> | Record<string, unknown>, opts: SetupOptions = {}) {
  const enabled = opts.enabled ?? ['thousandeyes'];
  const providers = Object.fromEntries(enabled.map((id) => [id, { enabled: true }]));
  const ds = new DataSource(instanceSettings({ providers }));
  const getResource = opts.getResource ?? jest.fn((kind: string) => Promise.resolve(LOOKUPS[kind] ?? []));
  jest.spyOn(ds, 'getResource').mockImplementation(getResource as never);
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  let setRange: (r: TimeRange) => void = () => {};
  /** A parent that keeps the query, like Grafana's query row. */
  function Host() {
    const [q, setQ] = useState(query as AuditQuery);
    const [range, setR] = useState(opts.range === null ? undefined : (opts.range ?? rangeOf(RANGE_FROM, RANGE_TO)));
    setRange = setR;
    return (
      <QueryEditor
        datasource={ds}
        query={q}
        app={opts.app}
        range={range}
        onChange={(next) => {
          onChange(next);
          setQ(next);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Host />);
  return { onChange, onRunQuery, getResource, ds, setRange: (r: TimeRange) => act(() => setRange(r)) };
}

/** The labels of the open menu's options (descriptions aside). */
const menuOptions = () =>
  screen.getAllByRole('option').map((o) => o.querySelector('[class*="option-label"]')?.textContent ?? o.textContent);

/** An option of the open menu, by the start of its text. */
const option = (label: string) =>
  screen.findByRole('option', { name: new RegExp(`^${label.replace(/[$.()]/g, '\\$&')}`) });

const last = (fn: jest.Mock): AuditQuery => fn.mock.calls[fn.mock.calls.length - 1][0];

/** The look-up requests of one kind, by their parameters. */
const lookupCalls = (getResource: jest.Mock, kind: string) =>
  getResource.mock.calls.filter((c) => c[0] === kind).map((c) => c[1]);

/** Every onChange payload holds the whole contract, normalised, and the other DataQuery keys. */
function expectContract(q: AuditQuery, extra: Record<string, unknown> = {}) {
  for (const k of CONTRACT_KEYS) {
    expect(q).toHaveProperty(k);
  }
  expect(normalizeQuery(q)).toStrictEqual(Object.fromEntries(CONTRACT_KEYS.map((k) => [k, q[k]])));
  for (const [k, v] of Object.entries(extra)) {
    expect(q).toHaveProperty(k, v);
  }
  for (const k of ['event', 'objectType', 'user', 'queryType']) {
    expect(q).not.toHaveProperty(k);
  }
}

const base = { refId: 'A', datasource: { type: 'auditlens-auditlog-datasource', uid: 'audit-uid' } };
const inRange = { from: RANGE_FROM, to: RANGE_TO };

beforeEach(() => {
  templateSrv = new FakeTemplateSrv({ user: { value: 'ana' }, ev: { value: ['a', 'b'] } });
});

describe('provider', () => {
  it('is hidden when only one provider is enabled', () => {
    setup(base, { enabled: ['domo'] });
    expect(screen.queryByLabelText('Provider')).not.toBeInTheDocument();
  });

  it('offers All providers, each enabled one and the variables; a choice runs the query', async () => {
    const { onChange, onRunQuery } = setup(base, { enabled: ['domo', 'datafold', 'thousandeyes'] });
    await userEvent.click(screen.getByLabelText('Provider'));
    expect(menuOptions()).toEqual(['All providers', 'Domo', 'Datafold', 'Cisco ThousandEyes', '$user', '$ev']);
    await userEvent.click(await option('Datafold'));
    expect(last(onChange).provider).toBe('datafold');
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByLabelText('Provider')).toHaveValue('Datafold');
  });

  it('takes a typed value, such as a variable of another dashboard', async () => {
    const { onChange } = setup(base, { enabled: ['domo', 'datafold'] });
    await userEvent.type(screen.getByLabelText('Provider'), '$vendor{Enter}');
    expect(last(onChange).provider).toBe('$vendor');
  });

  it('warns when the chosen provider is not enabled', () => {
    setup({ ...base, provider: 'domino' }, { enabled: ['domo'] });
    expect(screen.getByText(/"domino" is not enabled in this data source/)).toBeInTheDocument();
    // The select shows so that it can be changed.
    expect(screen.getByLabelText('Provider')).toHaveValue('Domino Data Lab');
  });

  it('says when no provider is enabled', () => {
    setup(base, { enabled: [] });
    expect(screen.getByText('No provider is enabled')).toBeInTheDocument();
  });
});

describe('format', () => {
  it('runs the query with the new format', () => {
    const { onChange, onRunQuery } = setup({ ...base, hide: false, key: 'k1' });
    fireEvent.click(screen.getByLabelText('Time series'));
    expect(last(onChange)).toStrictEqual({
      ...base,
      hide: false,
      key: 'k1',
      provider: '',
      format: 'timeseries',
      events: [],
      objectTypes: [],
      users: [],
      search: '',
      groupBy: 'none',
      limit: 10,
      options: {},
    });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows group by and top N for time series only; top N commits on Enter', async () => {
    const { onChange, onRunQuery } = setup({ ...base, format: 'table' });
    expect(screen.queryByText('Group by')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Time series'));
    expect(screen.getByText('Group by')).toBeInTheDocument();
    expect(screen.getByLabelText('None')).toBeChecked();
    expect(screen.queryByLabelText('Top N')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('User'));
    expect(last(onChange)).toMatchObject({ format: 'timeseries', groupBy: 'user', limit: 10 });
    const topN = screen.getByLabelText('Top N');
    await userEvent.clear(topN);
    await userEvent.type(topN, '5');
    expect(last(onChange).limit).toBe(10);
    await userEvent.keyboard('{Enter}');
    expect(last(onChange).limit).toBe(5);
    expect(topN).toHaveFocus();
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(3);
    // Leaving the field after Enter does not report the value again.
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(3);
  });
});

describe('migration', () => {
  it('shows a legacy query migrated and saves it in the current shape on change', () => {
    const legacy = { ...base, event: 'Login failed.', user: 'jwilson', queryType: 'time_series' };
    const { onChange } = setup(legacy);
    expect(screen.getByText('Login failed.')).toBeInTheDocument();
    expect(screen.getByText('jwilson')).toBeInTheDocument();
    expect(screen.getByLabelText('Time series')).toBeChecked();
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.click(screen.getByLabelText('Logs'));
    expect(last(onChange)).toStrictEqual({
      ...base,
      provider: '',
      format: 'logs',
      events: ['Login failed.'],
      objectTypes: [],
      users: ['jwilson'],
      search: '',
      groupBy: 'none',
      limit: 10,
      options: {},
    });
  });
});

describe('look-up filters', () => {
  it("load the values seen in the dashboard's time range when opened, then change the query", async () => {
    const { onChange, onRunQuery, getResource } = setup({ ...base, provider: 'thousandeyes' });
    expect(getResource).not.toHaveBeenCalled();
    await userEvent.click(screen.getByLabelText('Events'));
    await userEvent.click(await option('Report created.'));
    expect(getResource).toHaveBeenCalledWith('events', { provider: 'thousandeyes', ...inRange });
    expect(last(onChange).events).toEqual(['Report created.']);
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('show the labels of loaded values and offer template variables', async () => {
    const { getResource } = setup({ ...base, users: ['Ana Silva'] });
    expect(screen.getByText('Ana Silva')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Users'));
    expect(await option('Ana Silva (ana@example.com)')).toBeInTheDocument();
    expect(getResource).toHaveBeenCalledWith('users', { provider: 'all', ...inRange });
    expect(menuOptions()).toEqual(['Ana Silva (ana@example.com)', '$user', '$ev']);
    // The chosen value is shown by its label too.
    await waitFor(() => expect(screen.getAllByText('Ana Silva (ana@example.com)').length).toBe(2));
  });

  it('filter the loaded values by what is typed', async () => {
    setup(base);
    await userEvent.type(screen.getByLabelText('Events'), 'report');
    await waitFor(() => expect(menuOptions()).toEqual(['report', 'Report created.']));
    expect(screen.getByRole('option', { name: /^report/ })).toHaveTextContent('Use custom value');
  });

  it('take a typed value on Enter, or from "Use custom value"', async () => {
    const { onChange } = setup({ ...base, objectTypes: ['testName'] });
    const input = screen.getByLabelText('Object types');
    await userEvent.type(input, 'alertRuleName');
    await option('alertRuleName');
    await userEvent.keyboard('{Enter}');
    expect(last(onChange).objectTypes).toEqual(['testName', 'alertRuleName']);
    await userEvent.clear(input);
    await userEvent.type(input, 'dashboard');
    await userEvent.click(await option('dashboard'));
    expect(last(onChange).objectTypes).toEqual(['testName', 'alertRuleName', 'dashboard']);
  });

  it('remove a value', async () => {
    const { onChange } = setup({ ...base, events: ['a', 'b'] });
    await userEvent.click(screen.getByRole('button', { name: 'Remove a' }));
    expect(last(onChange).events).toEqual(['b']);
  });

  it('show a loading state while the backend answers', async () => {
    let resolve: (v: LookupOption[]) => void = () => {};
    templateSrv = new FakeTemplateSrv();
    const pending = jest.fn(() => new Promise<LookupOption[]>((r) => (resolve = r)));
    setup(base, { enabled: ['domo'], getResource: pending });
    await userEvent.click(screen.getByLabelText('Events'));
    expect(await screen.findByText('Loading options...')).toBeInTheDocument();
    await waitFor(() => expect(pending).toHaveBeenCalled());
    expect(screen.getByText('Loading options...')).toBeInTheDocument();
    await act(async () => resolve([{ value: 'Viewed page', label: 'Viewed page' }]));
    expect(await option('Viewed page')).toBeInTheDocument();
    expect(screen.queryByText('Loading options...')).not.toBeInTheDocument();
  });

  it('say when nothing was seen in the time range', async () => {
    setup(base, { enabled: ['domo'], getResource: jest.fn(() => Promise.resolve([])) });
    await userEvent.click(screen.getByLabelText('Users'));
    expect(await screen.findByText('Nothing seen in this time range: type a value')).toBeInTheDocument();
  });

  it('show the backend error and still accept typed values', async () => {
    const failing = jest.fn(() => Promise.reject({ data: { error: 'domo: 401 Unauthorized' } }));
    const { onChange } = setup(base, { enabled: ['domo'], getResource: failing });
    const input = screen.getByLabelText('Events');
    await userEvent.click(input);
    expect(await screen.findByText(/Could not load suggestions \(domo: 401 Unauthorized\)/)).toBeInTheDocument();
    expect(await screen.findByText('Suggestions unavailable: type a value')).toBeInTheDocument();
    // Typing does not ask the failing backend on every key.
    await userEvent.type(input, 'Viewed page');
    await option('Viewed page');
    await userEvent.keyboard('{Enter}');
    expect(last(onChange).events).toEqual(['Viewed page']);
    expect(failing).toHaveBeenCalledTimes(1);
  });

  it('load again for another provider', async () => {
    const { getResource } = setup({ ...base, provider: 'domo' }, { enabled: ['domo', 'datafold'] });
    await userEvent.click(screen.getByLabelText('Events'));
    await option('Login failed.');
    await userEvent.keyboard('{Escape}');
    await userEvent.click(screen.getByLabelText('Provider'));
    await userEvent.click(await option('Datafold'));
    await userEvent.click(screen.getByLabelText('Events'));
    await option('Login failed.');
    expect(lookupCalls(getResource, 'events')).toEqual([
      { provider: 'domo', ...inRange },
      { provider: 'datafold', ...inRange },
    ]);
  });

  it('ask once per time range: the same range is answered from the cache, another one asks again', async () => {
    const { getResource, setRange } = setup({ ...base, provider: 'thousandeyes' });
    const open = async () => {
      await userEvent.click(screen.getByLabelText('Users'));
      await option('Ana Silva (ana@example.com)');
      await userEvent.keyboard('{Escape}');
    };
    await open();
    await open();
    expect(lookupCalls(getResource, 'users')).toHaveLength(1);
    // Seconds later within the same minutes: the same look-up.
    setRange(rangeOf(RANGE_FROM + 20_000, RANGE_TO - 20_000));
    await open();
    expect(lookupCalls(getResource, 'users')).toHaveLength(1);
    setRange(rangeOf(RANGE_FROM - DAY, RANGE_TO));
    await open();
    expect(lookupCalls(getResource, 'users')).toEqual([
      { provider: 'thousandeyes', ...inRange },
      { provider: 'thousandeyes', from: RANGE_FROM - DAY, to: RANGE_TO },
    ]);
  });

  it('read the newest 30 days of a longer range, which the backend accepts', async () => {
    const { getResource } = setup(base, { range: rangeOf(RANGE_TO - 90 * DAY, RANGE_TO) });
    await userEvent.click(screen.getByLabelText('Events'));
    await option('Login failed.');
    expect(lookupCalls(getResource, 'events')).toEqual([{ provider: 'all', from: RANGE_TO - 30 * DAY, to: RANGE_TO }]);
  });

  it("read the backend's default span without a time range", async () => {
    const { getResource } = setup(base, { range: null });
    await userEvent.click(screen.getByLabelText('Events'));
    await option('Login failed.');
    expect(lookupCalls(getResource, 'events')).toEqual([{ provider: 'all' }]);
  });
});

describe('search', () => {
  it('changes the query and runs it on Enter or when leaving the field, once', async () => {
    const { onChange, onRunQuery } = setup(base);
    const input = screen.getByLabelText('Search');
    await userEvent.type(input, '  vpn ');
    expect(onChange).not.toHaveBeenCalled();
    await userEvent.keyboard('{Enter}');
    expect(last(onChange).search).toBe('vpn');
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(input).toHaveValue('vpn');
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    await userEvent.type(input, ' login');
    fireEvent.blur(input);
    expect(last(onChange).search).toBe('vpn login');
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });
});

describe('provider options', () => {
  it('ThousandEyes: account group and all account groups', async () => {
    const { onChange, onRunQuery } = setup(
      { ...base, provider: 'thousandeyes' },
      { enabled: ['thousandeyes', 'domino'] }
    );
    expect(screen.queryByLabelText(/Domino project/)).not.toBeInTheDocument();
    const aid = screen.getByLabelText(/ThousandEyes account group/);
    await userEvent.type(aid, ' 1234 {Enter}');
    expect(last(onChange).options).toStrictEqual({ accountGroupId: '1234' });
    fireEvent.click(screen.getByLabelText('All account groups'));
    expect(last(onChange).options).toStrictEqual({ accountGroupId: '1234', allAccountGroups: true });
    expect(screen.getByLabelText(/ThousandEyes account group/)).toBeDisabled();
    fireEvent.click(screen.getByLabelText('All account groups'));
    expect(last(onChange).options).toStrictEqual({ accountGroupId: '1234' });
    expect(onRunQuery).toHaveBeenCalledTimes(3);
  });

  it('Domino: project', () => {
    const { onChange } = setup({ ...base, provider: 'domino' }, { enabled: ['thousandeyes', 'domino'] });
    expect(screen.queryByLabelText(/ThousandEyes account group/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText('All account groups')).not.toBeInTheDocument();
    const project = screen.getByLabelText(/Domino project/);
    fireEvent.change(project, { target: { value: 'churn-model' } });
    fireEvent.blur(project);
    expect(last(onChange).options).toStrictEqual({ project: 'churn-model' });
    fireEvent.change(screen.getByLabelText(/Domino project/), { target: { value: '' } });
    fireEvent.keyDown(screen.getByLabelText(/Domino project/), { key: 'Enter' });
    expect(last(onChange).options).toStrictEqual({});
  });

  it('all providers: the options of every enabled provider that has some', () => {
    setup({ ...base, provider: 'all' }, { enabled: ['thousandeyes', 'domino', 'domo'] });
    expect(screen.getByLabelText(/ThousandEyes account group/)).toBeInTheDocument();
    expect(screen.getByLabelText(/Domino project/)).toBeInTheDocument();
  });

  it('none for providers without options', () => {
    setup(base, { enabled: ['domo', 'datafold', 'domo-platform'] });
    expect(screen.queryByLabelText(/ThousandEyes account group/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/Domino project/)).not.toBeInTheDocument();
  });
});

describe('filters', () => {
  it.each(PROVIDER_IDS.map((id) => [id]))('%s offers events, object types, users and search', (id) => {
    setup({ ...base, provider: id }, { enabled: [id as ProviderId] });
    for (const label of ['Events', 'Object types', 'Users', 'Search']) {
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    }
  });
});

describe('validation', () => {
  it('shows the error of an invalid query, naming the field', () => {
    setup({ ...base, format: 'timeseries', groupBy: 'user', limit: 1000 });
    const alert = screen.getByText(/This query cannot run/).closest('[role="alert"]') as HTMLElement;
    expect(within(alert).getByText(/^limit: 1000 is out of range/)).toBeInTheDocument();
  });

  it('does not complain about a provider given as a variable', () => {
    setup({ ...base, provider: '$prov' }, { enabled: ['domo', 'datafold'] });
    expect(screen.queryByText(/This query cannot run/)).not.toBeInTheDocument();
  });
});

describe('in an alert rule', () => {
  const timeseries = { ...base, provider: 'thousandeyes', format: 'timeseries', events: ['Login failed.'] };

  it.each([CoreApp.UnifiedAlerting, CoreApp.CloudAlerting])('%s: time series only, said instead of a choice', (app) => {
    const { onChange } = setup(timeseries, { app });
    expect(screen.queryByLabelText('Table')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Logs')).not.toBeInTheDocument();
    expect(screen.getByText('Time series: alert rules evaluate event counts over time.')).toBeInTheDocument();
    // Group by and top N are what an alert splits by.
    expect(screen.getByLabelText('User')).toBeInTheDocument();
    expect(screen.queryByText('Format changed to Time series')).not.toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('offers no dashboard variables: an alert rule has none', async () => {
    setup(timeseries, { app: CoreApp.UnifiedAlerting, enabled: ['domo', 'thousandeyes'] });
    await userEvent.click(screen.getByRole('combobox', { name: 'Provider' }));
    expect(menuOptions()).toEqual(['All providers', 'Domo', 'Cisco ThousandEyes']);
    await userEvent.keyboard('{Escape}');
    await userEvent.click(screen.getByLabelText('Users'));
    await option('Ana Silva (ana@example.com)');
    expect(menuOptions()).toEqual(['Ana Silva (ana@example.com)']);
  });

  it('offers only the time series examples', async () => {
    setup(timeseries, { app: CoreApp.UnifiedAlerting });
    await userEvent.click(screen.getByRole('button', { name: 'Query examples' }));
    expect(screen.getByRole('button', { name: 'Use example: Failed logins per user' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Use example: Exports by object type' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Who changed permissions/ })).not.toBeInTheDocument();
  });

  it.each([
    ['table', 'Table'],
    ['logs', 'Logs'],
  ])('a rule saved as %s is switched to time series, with a note', (format, label) => {
    const { onChange, onRunQuery } = setup(
      { ...timeseries, format, groupBy: 'none' },
      { app: CoreApp.UnifiedAlerting }
    );
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(last(onChange)).toMatchObject({ format: 'timeseries', events: ['Login failed.'], provider: 'thousandeyes' });
    expectContract(last(onChange), base);
    // Nothing runs until the user previews or saves.
    expect(onRunQuery).not.toHaveBeenCalled();
    const note = screen.getByText('Format changed to Time series').closest('[role="status"], [role="alert"]');
    expect(note).toHaveTextContent(
      `This query was saved with the ${label} format, which an alert rule cannot evaluate.`
    );
    expect(note).toHaveTextContent('save the rule to keep the change');
  });

  it('a new alert query starts as time series', () => {
    const ds = new DataSource(instanceSettings({ providers: { domo: { enabled: true } } }));
    expect(ds.getDefaultQuery(CoreApp.UnifiedAlerting).format).toBe('timeseries');
  });
});
