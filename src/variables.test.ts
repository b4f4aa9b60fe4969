import { DataQueryRequest, dateTime, VariableSupportType } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { DataSource } from './datasource';
import { FakeTemplateSrv, instanceSettings } from './testUtils';
import {
  AuditVariableQuery,
  DEFAULT_VARIABLE_QUERY,
  lookupDays,
  migrateVariableQuery,
  parseVariableText,
  VARIABLE_REF_ID,
  variableKind,
  variableQueryText,
} from './variableQuery';
import { AuditVariableSupport } from './variables';
import { VariableQueryEditor } from './components/VariableQueryEditor';

let templateSrv = new FakeTemplateSrv();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const ANSWERS: Record<string, unknown> = {
  providers: [
    { value: 'domo', label: 'Domo' },
    { value: 'thousandeyes', label: 'Cisco ThousandEyes' },
  ],
  users: [
    { value: 'Ana Silva', label: 'Ana Silva (ana@example.com)' },
    { value: 'bob', label: 'bob' },
  ],
  events: [{ value: 'Login failed.', label: 'Login failed.' }],
  objectTypes: [{ value: 'CARD', label: 'CARD' }, { value: 'PAGE' }],
};

function makeDataSource() {
  const ds = new DataSource(
    instanceSettings({ providers: { domo: { enabled: true }, thousandeyes: { enabled: true } } })
  );
  const getResource = jest
    .spyOn(ds, 'getResource')
    .mockImplementation(((path: string) => Promise.resolve(ANSWERS[path] ?? [])) as never);
  return { ds, getResource };
}

beforeEach(() => {
  templateSrv = new FakeTemplateSrv({
    provider: { value: 'thousandeyes' },
    providerAll: { value: '$__all', options: ['domo', 'thousandeyes'] },
  });
});

describe('variable query model', () => {
  it('has defaults: users of all providers', () => {
    expect(DEFAULT_VARIABLE_QUERY).toEqual({ refId: VARIABLE_REF_ID, kind: 'users', provider: 'all' });
    expect(migrateVariableQuery(undefined)).toEqual(DEFAULT_VARIABLE_QUERY);
    expect(migrateVariableQuery(null)).toEqual(DEFAULT_VARIABLE_QUERY);
    expect(migrateVariableQuery({})).toEqual(DEFAULT_VARIABLE_QUERY);
    expect(migrateVariableQuery(42)).toEqual(DEFAULT_VARIABLE_QUERY);
  });

  it('migrates an old plain string query', () => {
    expect(migrateVariableQuery('users')).toEqual({ refId: VARIABLE_REF_ID, kind: 'users', provider: 'all' });
    expect(migrateVariableQuery('Events')).toEqual({ refId: VARIABLE_REF_ID, kind: 'events', provider: 'all' });
    expect(migrateVariableQuery('object types')).toMatchObject({ kind: 'objectTypes', provider: 'all' });
    expect(migrateVariableQuery('objectType')).toMatchObject({ kind: 'objectTypes' });
    expect(migrateVariableQuery('providers')).toMatchObject({ kind: 'providers' });
    expect(migrateVariableQuery('users(thousandeyes)')).toMatchObject({ kind: 'users', provider: 'thousandeyes' });
    expect(migrateVariableQuery('users(thousandeyes, 7)')).toEqual({
      refId: VARIABLE_REF_ID,
      kind: 'users',
      provider: 'thousandeyes',
      days: 7,
    });
    expect(migrateVariableQuery('events:domo')).toMatchObject({ kind: 'events', provider: 'domo' });
    expect(migrateVariableQuery('object types $provider')).toMatchObject({
      kind: 'objectTypes',
      provider: '$provider',
    });
    // Unknown text: the defaults.
    expect(migrateVariableQuery('something else')).toEqual(DEFAULT_VARIABLE_QUERY);
  });

  it("migrates Grafana's { query: string } shape and cleans the object model", () => {
    expect(migrateVariableQuery({ refId: 'X', query: 'events(domo)' })).toEqual({
      refId: 'X',
      kind: 'events',
      provider: 'domo',
    });
    expect(migrateVariableQuery({ kind: 'user', provider: ' datafold ', days: '14', other: 1 })).toEqual({
      refId: VARIABLE_REF_ID,
      kind: 'users',
      provider: 'datafold',
      days: 14,
    });
    expect(migrateVariableQuery({ kind: 'nope', provider: '', days: 99 })).toEqual(DEFAULT_VARIABLE_QUERY);
    const current: AuditVariableQuery = { refId: 'V', kind: 'objectTypes', provider: '$provider', days: 30 };
    expect(migrateVariableQuery(current)).toEqual(current);
  });

  it('reads kinds and days strictly', () => {
    expect(variableKind('Object_Types')).toBe('objectTypes');
    expect(variableKind('actions')).toBe('events');
    expect(variableKind('x')).toBeUndefined();
    expect(variableKind(3)).toBeUndefined();
    expect(lookupDays(1)).toBe(1);
    expect(lookupDays('30')).toBe(30);
    expect(lookupDays(0)).toBeUndefined();
    expect(lookupDays(31)).toBeUndefined();
    expect(lookupDays(2.5)).toBeUndefined();
    expect(lookupDays('7d')).toBeUndefined();
    expect(parseVariableText('nonsense(x)')).toBeUndefined();
  });

  it('describes a variable query in one line', () => {
    expect(variableQueryText(DEFAULT_VARIABLE_QUERY)).toBe('Users of all providers seen in the last day');
    expect(variableQueryText({ refId: 'A', kind: 'events', provider: 'domo', days: 7 })).toBe(
      'Events of Domo seen in the last 7 days'
    );
    expect(variableQueryText({ refId: 'A', kind: 'users', provider: 'domo-platform' })).toBe(
      'Users of Domo platform API seen in the last day'
    );
    expect(variableQueryText({ refId: 'A', kind: 'objectTypes', provider: '$provider', days: 2 })).toBe(
      'Object types of $provider seen in the last 2 days'
    );
    expect(variableQueryText({ refId: 'A', kind: 'users', provider: 'splunk' })).toBe(
      'Users of splunk seen in the last day'
    );
    expect(variableQueryText({ refId: 'A', kind: 'providers', provider: 'all' })).toBe('Enabled providers');
  });
});

describe('metricFindQuery', () => {
  it('returns text = label, value = value from the backend look-up', async () => {
    const { ds, getResource } = makeDataSource();
    await expect(ds.metricFindQuery({ refId: 'V', kind: 'users', provider: 'thousandeyes' })).resolves.toEqual([
      { text: 'Ana Silva (ana@example.com)', value: 'Ana Silva' },
      { text: 'bob', value: 'bob' },
    ]);
    expect(getResource).toHaveBeenLastCalledWith('users', { provider: 'thousandeyes' });
  });

  it('lists the enabled providers', async () => {
    const { ds, getResource } = makeDataSource();
    await expect(ds.metricFindQuery({ kind: 'providers', provider: 'all' })).resolves.toEqual([
      { text: 'Domo', value: 'domo' },
      { text: 'Cisco ThousandEyes', value: 'thousandeyes' },
    ]);
    expect(getResource).toHaveBeenLastCalledWith('providers');
  });

  it('sends days, and labels default to values', async () => {
    const { ds, getResource } = makeDataSource();
    await expect(ds.metricFindQuery({ kind: 'objectTypes', provider: 'domo', days: 7 })).resolves.toEqual([
      { text: 'CARD', value: 'CARD' },
      { text: 'PAGE', value: 'PAGE' },
    ]);
    expect(getResource).toHaveBeenLastCalledWith('objectTypes', { provider: 'domo', days: 7 });
  });

  it('runs a migrated string query', async () => {
    const { ds, getResource } = makeDataSource();
    await expect(ds.metricFindQuery('events')).resolves.toEqual([{ text: 'Login failed.', value: 'Login failed.' }]);
    expect(getResource).toHaveBeenLastCalledWith('events', { provider: 'all' });
    await ds.metricFindQuery('users(domo, 3)');
    expect(getResource).toHaveBeenLastCalledWith('users', { provider: 'domo', days: 3 });
  });

  it('interpolates a provider variable; All means every provider', async () => {
    const { ds, getResource } = makeDataSource();
    await ds.metricFindQuery({ kind: 'users', provider: '$provider' });
    expect(getResource).toHaveBeenLastCalledWith('users', { provider: 'thousandeyes' });
    await ds.metricFindQuery({ kind: 'users', provider: '$providerAll' });
    expect(getResource).toHaveBeenLastCalledWith('users', { provider: 'all' });
    await ds.metricFindQuery(
      { kind: 'events', provider: '$provider' },
      {
        scopedVars: { provider: { text: 'Domo', value: 'domo' } },
      }
    );
    expect(getResource).toHaveBeenLastCalledWith('events', { provider: 'domo' });
  });

  it('rejects with the backend error', async () => {
    const { ds, getResource } = makeDataSource();
    getResource.mockRejectedValueOnce({ data: { error: 'days: must be a whole number from 1 to 30' } });
    await expect(ds.metricFindQuery({ kind: 'users', provider: 'domo', days: 5 })).rejects.toEqual({
      data: { error: 'days: must be a whole number from 1 to 30' },
    });
  });
});

describe('AuditVariableSupport', () => {
  // The dashboard's range, fixed: a test never reads today's date.
  const TO = Date.UTC(2026, 3, 20, 12, 0, 0);
  const FROM = TO - 7 * 24 * 3600 * 1000;

  function request(target: unknown): DataQueryRequest<AuditVariableQuery> {
    return {
      requestId: 'r',
      interval: '1m',
      intervalMs: 60000,
      range: { from: dateTime(FROM), to: dateTime(TO), raw: { from: 'now-7d', to: 'now' } },
      scopedVars: {},
      targets: [target as AuditVariableQuery],
      timezone: 'utc',
      app: 'dashboard',
      startTime: 0,
    };
  }

  it('is a custom variable support with its own editor and defaults', () => {
    const { ds } = makeDataSource();
    const v = ds.variables as AuditVariableSupport;
    expect(v.getType()).toBe(VariableSupportType.Custom);
    expect(v.editor).toBe(VariableQueryEditor);
    expect(v.getDefaultQuery()).toEqual(DEFAULT_VARIABLE_QUERY);
  });

  it("reads the variable's own span (days), not the dashboard's time range", async () => {
    const { ds, getResource } = makeDataSource();
    const v = ds.variables as AuditVariableSupport;
    await lastValueFrom(v.query(request({ refId: 'V', kind: 'users', provider: 'domo', days: 2 })));
    expect(getResource).toHaveBeenLastCalledWith('users', { provider: 'domo', days: 2 });
    await lastValueFrom(v.query(request({ refId: 'V', kind: 'users', provider: 'domo' })));
    expect(getResource).toHaveBeenLastCalledWith('users', { provider: 'domo' });
  });

  it('answers the variable query with MetricFindValue text/value pairs', async () => {
    const { ds } = makeDataSource();
    const v = ds.variables as AuditVariableSupport;
    const res = await lastValueFrom(v.query(request({ refId: 'V', kind: 'events', provider: 'domo' })));
    expect(res.data).toEqual([{ text: 'Login failed.', value: 'Login failed.' }]);
    const old = await lastValueFrom(v.query(request('providers')));
    expect(old.data).toEqual([
      { text: 'Domo', value: 'domo' },
      { text: 'Cisco ThousandEyes', value: 'thousandeyes' },
    ]);
  });
});
