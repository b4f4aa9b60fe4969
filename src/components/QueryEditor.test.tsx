import React, { useState } from 'react';
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

function makeDataSource(enabled: ProviderId[], getResource?: jest.Mock) {
  const providers = Object.fromEntries(enabled.map((id) => [id, { enabled: true }]));
  const ds = new DataSource(instanceSettings({ providers }));
  const mock = getResource ?? jest.fn((kind: string) => Promise.resolve(LOOKUPS[kind] ?? []));
  jest.spyOn(ds, 'getResource').mockImplementation(mock as never);
  return { ds, getResource: mock };
}

function setup(
  query: Partial<AuditQuery> | Record<string, unknown>,
  enabled: ProviderId[] = ['thousandeyes'],
  getResource?: jest.Mock
) {
  const { ds } = makeDataSource(enabled, getResource);
  const spyResource = ds.getResource as unknown as jest.Mock;
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  /** A parent that keeps the query, like Grafana's query row. */
  function Host() {
    const [q, setQ] = useState(query as AuditQuery);
    return (
      <QueryEditor
        datasource={ds}
        query={q}
        onChange={(next) => {
          onChange(next);
          setQ(next);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Host />);
  return { onChange, onRunQuery, getResource: spyResource, ds };
}

/** The labels of the open select menu's options. */
const menuOptions = () =>
  screen.getAllByRole('option').map((o) => o.querySelector('span')?.textContent ?? o.textContent);

const last = (fn: jest.Mock): AuditQuery => fn.mock.calls[fn.mock.calls.length - 1][0];

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

beforeEach(() => {
  templateSrv = new FakeTemplateSrv({ user: { value: 'ana' }, ev: { value: ['a', 'b'] } });
});

describe('provider', () => {
  it('is hidden when only one provider is enabled', () => {
    setup(base, ['domo']);
    expect(screen.queryByLabelText('Provider')).not.toBeInTheDocument();
  });

  it('offers All providers and each enabled one when several are', async () => {
    const { onChange, onRunQuery } = setup(base, ['domo', 'datafold', 'thousandeyes']);
    await userEvent.click(screen.getByLabelText('Provider'));
    expect(menuOptions()).toEqual(['All providers', 'Domo', 'Datafold', 'Cisco ThousandEyes', '$user', '$ev']);
    await userEvent.click(screen.getByText('Datafold'));
    expect(last(onChange).provider).toBe('datafold');
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('warns when the chosen provider is not enabled', () => {
    setup({ ...base, provider: 'domino' }, ['domo']);
    expect(screen.getByText(/"domino" is not enabled in this data source/)).toBeInTheDocument();
    // The select shows so that it can be changed.
    expect(screen.getByLabelText('Provider')).toBeInTheDocument();
  });

  it('says when no provider is enabled', () => {
    setup(base, []);
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

  it('shows group by and top N for time series only', async () => {
    const { onChange, onRunQuery } = setup({ ...base, format: 'table' });
    expect(screen.queryByText('Group by')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Time series'));
    expect(screen.getByText('Group by')).toBeInTheDocument();
    expect(screen.getByLabelText('None')).toBeChecked();
    expect(screen.queryByLabelText('Top N')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('User'));
    expect(last(onChange)).toMatchObject({ format: 'timeseries', groupBy: 'user', limit: 10 });
    const topN = screen.getByLabelText('Top N');
    fireEvent.change(topN, { target: { value: '5' } });
    expect(last(onChange).limit).toBe(10);
    fireEvent.blur(topN);
    expect(last(onChange).limit).toBe(5);
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(3);
  });
});

describe('migration', () => {
  it('shows a legacy query migrated and saves it in the current shape on change', async () => {
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

describe('lookup multi-selects', () => {
  it('load options from the backend when opened, then change the query', async () => {
    const { onChange, onRunQuery, getResource } = setup({ ...base, provider: 'thousandeyes' });
    expect(getResource).not.toHaveBeenCalled();
    await userEvent.click(screen.getByLabelText('Events'));
    expect(getResource).toHaveBeenCalledWith('events', { provider: 'thousandeyes' });
    await userEvent.click(await screen.findByText('Report created.'));
    expect(last(onChange).events).toEqual(['Report created.']);
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('use the labels of loaded options and offer template variables', async () => {
    const { getResource } = setup({ ...base, users: ['Ana Silva'] });
    expect(screen.getByText('Ana Silva')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Users'));
    expect(getResource).toHaveBeenCalledWith('users', { provider: 'all' });
    await waitFor(() => expect(screen.getAllByText('Ana Silva (ana@example.com)').length).toBeGreaterThan(0));
    expect(screen.getByText('$ev')).toBeInTheDocument();
  });

  it('accept typed values', async () => {
    const { onChange } = setup({ ...base, objectTypes: ['testName'] });
    const input = screen.getByLabelText('Object types');
    await userEvent.click(input);
    await userEvent.type(input, 'alertRuleName{enter}');
    expect(last(onChange).objectTypes).toEqual(['testName', 'alertRuleName']);
  });

  it('remove a value', async () => {
    const { onChange } = setup({ ...base, events: ['a', 'b'] });
    await userEvent.click(screen.getAllByRole('button', { name: 'Remove' })[0]);
    expect(last(onChange).events).toEqual(['b']);
  });

  it('show a loading state while the backend answers', async () => {
    let resolve: (v: LookupOption[]) => void = () => {};
    templateSrv = new FakeTemplateSrv();
    const pending = jest.fn(() => new Promise<LookupOption[]>((r) => (resolve = r)));
    setup(base, ['domo'], pending);
    await userEvent.click(screen.getByLabelText('Events'));
    expect(screen.getByText('Loading options...')).toBeInTheDocument();
    await act(async () => resolve([{ value: 'Viewed page', label: 'Viewed page' }]));
    expect(await screen.findByText('Viewed page')).toBeInTheDocument();
  });

  it('show the backend error and still accept typed values', async () => {
    const failing = jest.fn(() => Promise.reject({ data: { error: 'domo: 401 Unauthorized' } }));
    const { onChange } = setup(base, ['domo'], failing);
    const input = screen.getByLabelText('Events');
    await userEvent.click(input);
    expect(await screen.findByText(/Could not load suggestions \(domo: 401 Unauthorized\)/)).toBeInTheDocument();
    await userEvent.type(input, 'Viewed page{enter}');
    expect(last(onChange).events).toEqual(['Viewed page']);
  });

  it('load again for another provider', async () => {
    const { getResource } = setup({ ...base, provider: 'domo' }, ['domo', 'datafold']);
    await userEvent.click(screen.getByLabelText('Events'));
    await userEvent.click(screen.getByLabelText('Provider'));
    await userEvent.click(screen.getByText('Datafold'));
    await userEvent.click(screen.getByLabelText('Events'));
    expect(getResource.mock.calls.filter((c) => c[0] === 'events').map((c) => c[1])).toEqual([
      { provider: 'domo' },
      { provider: 'datafold' },
    ]);
  });
});

describe('search', () => {
  it('changes the query and runs it on blur only', () => {
    const { onChange, onRunQuery } = setup(base);
    const input = screen.getByLabelText('Search');
    fireEvent.change(input, { target: { value: '  vpn ' } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(input);
    expect(last(onChange).search).toBe('vpn');
    expectContract(last(onChange), base);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    fireEvent.blur(screen.getByLabelText('Search'));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});

describe('provider options', () => {
  it('ThousandEyes: account group and all account groups', () => {
    const { onChange, onRunQuery } = setup({ ...base, provider: 'thousandeyes' }, ['thousandeyes', 'domino']);
    expect(screen.queryByLabelText(/Domino project/)).not.toBeInTheDocument();
    const aid = screen.getByLabelText(/ThousandEyes account group/);
    fireEvent.change(aid, { target: { value: ' 1234 ' } });
    fireEvent.blur(aid);
    expect(last(onChange).options).toStrictEqual({ accountGroupId: '1234' });
    fireEvent.click(screen.getByLabelText('All account groups'));
    expect(last(onChange).options).toStrictEqual({ accountGroupId: '1234', allAccountGroups: true });
    expect(screen.getByLabelText(/ThousandEyes account group/)).toBeDisabled();
    fireEvent.click(screen.getByLabelText('All account groups'));
    expect(last(onChange).options).toStrictEqual({ accountGroupId: '1234' });
    expect(onRunQuery).toHaveBeenCalledTimes(3);
  });

  it('Domino: project', () => {
    const { onChange } = setup({ ...base, provider: 'domino' }, ['thousandeyes', 'domino']);
    expect(screen.queryByLabelText(/ThousandEyes account group/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText('All account groups')).not.toBeInTheDocument();
    const project = screen.getByLabelText(/Domino project/);
    fireEvent.change(project, { target: { value: 'churn-model' } });
    fireEvent.blur(project);
    expect(last(onChange).options).toStrictEqual({ project: 'churn-model' });
    fireEvent.change(screen.getByLabelText(/Domino project/), { target: { value: '' } });
    fireEvent.blur(screen.getByLabelText(/Domino project/));
    expect(last(onChange).options).toStrictEqual({});
  });

  it('all providers: the options of every enabled provider that has some', () => {
    setup({ ...base, provider: 'all' }, ['thousandeyes', 'domino', 'domo']);
    expect(screen.getByLabelText(/ThousandEyes account group/)).toBeInTheDocument();
    expect(screen.getByLabelText(/Domino project/)).toBeInTheDocument();
  });

  it('none for providers without options', () => {
    setup(base, ['domo', 'datafold', 'domo-platform']);
    expect(screen.queryByLabelText(/ThousandEyes account group/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/Domino project/)).not.toBeInTheDocument();
  });
});

describe('filters', () => {
  it.each(PROVIDER_IDS.map((id) => [id]))('%s offers events, object types, users and search', (id) => {
    setup({ ...base, provider: id }, [id as ProviderId]);
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
    setup({ ...base, provider: '$prov' }, ['domo', 'datafold']);
    expect(screen.queryByText(/This query cannot run/)).not.toBeInTheDocument();
  });
});
