import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { QueryEditor } from './QueryEditor';
import {
  applyExample,
  exampleProvider,
  FAILED_LOGIN_EVENTS,
  PERMISSION_EVENTS,
  QUERY_EXAMPLES,
  QueryHelp,
} from './QueryHelp';
import { DataSource } from '../datasource';
import { FakeTemplateSrv, instanceSettings } from '../testUtils';
import { AuditQuery, CONTRACT_KEYS, normalizeQuery, ProviderId, validateQuery } from '../types';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => new FakeTemplateSrv(),
}));

const base = { refId: 'B', datasource: { type: 'auditlens-auditlog-datasource', uid: 'audit-uid' }, key: 'k' };
const ALL: ProviderId[] = ['domo', 'domo-platform', 'domino', 'datafold', 'thousandeyes'];

const last = (fn: jest.Mock): AuditQuery => fn.mock.calls[fn.mock.calls.length - 1][0];

function renderEditor(query: Record<string, unknown>, enabled: ProviderId[] = ALL) {
  const providers = Object.fromEntries(enabled.map((id) => [id, { enabled: true }]));
  const ds = new DataSource(instanceSettings({ providers }));
  jest.spyOn(ds, 'getResource').mockResolvedValue([]);
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(
    <QueryEditor datasource={ds} query={query as unknown as AuditQuery} onChange={onChange} onRunQuery={onRunQuery} />
  );
  return { onChange, onRunQuery };
}

describe('query examples', () => {
  it('are valid queries of the contract', () => {
    expect(QUERY_EXAMPLES.map((e) => e.title)).toEqual([
      'Failed logins per user',
      'Who changed permissions this week',
      'Exports by object type',
    ]);
    for (const ex of QUERY_EXAMPLES) {
      const q = applyExample(ex, { refId: 'A' } as AuditQuery, ALL);
      expect(validateQuery(q)).toBeUndefined();
      expect(normalizeQuery(q)).toStrictEqual(Object.fromEntries(CONTRACT_KEYS.map((k) => [k, q[k]])));
    }
  });

  it('set the filters, format and group-by of each recipe', () => {
    const current = { ...base, provider: '', format: 'table', search: 'old', users: ['x'] } as unknown as AuditQuery;
    const [logins, perms, exports] = QUERY_EXAMPLES.map((ex) => applyExample(ex, current, ALL));
    expect(logins).toMatchObject({ format: 'timeseries', events: FAILED_LOGIN_EVENTS, groupBy: 'user', search: '' });
    expect(logins.users).toEqual([]);
    expect(logins.events).toEqual(['Login failed.', 'FAILED_LOGIN', 'Failed login', 'login_failed']);
    expect(perms).toMatchObject({ format: 'table', events: PERMISSION_EVENTS, groupBy: 'none' });
    expect(perms.events).toEqual(
      expect.arrayContaining(['Change Data Source Permissions', 'Change User Role In Project', 'Add Collaborator'])
    );
    expect(exports).toMatchObject({ format: 'timeseries', events: ['EXPORTED'], groupBy: 'objectType' });
    // Other DataQuery keys are kept.
    expect(exports).toMatchObject(base);
  });

  it('keep the provider when it reads all, a variable or a relevant one, else pick a relevant enabled one', () => {
    expect(exampleProvider('', ALL, ['domo'])).toBe('');
    expect(exampleProvider('all', ALL, ['domo'])).toBe('all');
    expect(exampleProvider('$provider', ALL, ['domo'])).toBe('$provider');
    expect(exampleProvider('domo-platform', ALL, ['domo', 'domo-platform'])).toBe('domo-platform');
    expect(exampleProvider('thousandeyes', ALL, ['domo', 'domo-platform'])).toBe('domo');
    expect(exampleProvider('thousandeyes', ['thousandeyes', 'domo-platform'], ['domo', 'domo-platform'])).toBe(
      'domo-platform'
    );
    expect(exampleProvider('thousandeyes', ['thousandeyes'], ['domo'])).toBe('thousandeyes');
  });

  it('QueryHelp shows each example with its JSON and hands its query over', () => {
    const onClickExample = jest.fn();
    render(
      <QueryHelp
        query={{ ...base, provider: 'thousandeyes' } as unknown as AuditQuery}
        enabledProviders={ALL}
        onClickExample={onClickExample}
      />
    );
    expect(screen.getByText(/"groupBy":"objectType"/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Use example: Exports by object type' }));
    expect(last(onClickExample)).toMatchObject({ provider: 'domo', format: 'timeseries', groupBy: 'objectType' });
  });
});

describe('query editor help', () => {
  it('is collapsed, opens from the editor and applies an example: onChange then onRunQuery', () => {
    const { onChange, onRunQuery } = renderEditor({ ...base, provider: 'thousandeyes' });
    expect(screen.queryByText('Failed logins per user')).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Query examples' }));
    expect(screen.getByText('Failed logins per user')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Use example: Failed logins per user' }));
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(last(onChange)).toMatchObject({
      ...base,
      provider: 'thousandeyes',
      format: 'timeseries',
      events: FAILED_LOGIN_EVENTS,
      groupBy: 'user',
    });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(onChange.mock.invocationCallOrder[0]).toBeLessThan(onRunQuery.mock.invocationCallOrder[0]);
    // The help closes after use.
    expect(screen.queryByText('Failed logins per user')).not.toBeInTheDocument();
  });

  it('applies the permission changes table', () => {
    const { onChange, onRunQuery } = renderEditor({ ...base, provider: 'all', format: 'timeseries', groupBy: 'user' });
    fireEvent.click(screen.getByRole('button', { name: 'Query examples' }));
    fireEvent.click(screen.getByRole('button', { name: 'Use example: Who changed permissions this week' }));
    expect(last(onChange)).toMatchObject({
      provider: 'all',
      format: 'table',
      groupBy: 'none',
      events: PERMISSION_EVENTS,
    });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});
