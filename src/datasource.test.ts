import { CoreApp, ScopedVars, VariableSupportType } from '@grafana/data';

import { auditAnnotationSupport } from './annotations';
import { DataSource, errorMessage, interpolateList, LOOKUP_TTL_MS, refersToAll, variableNames } from './datasource';
import { FakeTemplateSrv, instanceSettings } from './testUtils';
import { AuditQuery } from './types';
import { AuditVariableSupport } from './variables';

let templateSrv = new FakeTemplateSrv();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const noScope: ScopedVars = {};

function query(patch: Record<string, unknown> = {}): AuditQuery {
  return {
    refId: 'A',
    provider: '',
    format: 'table',
    events: [],
    objectTypes: [],
    users: [],
    search: '',
    groupBy: 'none',
    limit: 10,
    options: {},
    ...patch,
  } as AuditQuery;
}

function makeDataSource(providers = { domo: { enabled: true }, thousandeyes: { enabled: true } }) {
  return new DataSource(instanceSettings({ providers }));
}

beforeEach(() => {
  templateSrv = new FakeTemplateSrv({
    prov: { value: 'datafold' },
    provAll: { value: '$__all', options: ['domo', 'datafold'] },
    ev: { value: ['Login failed.', 'Logout.'] },
    env: { value: ['prod', 'dev'] },
    one: { value: ['Create Dataset'] },
    user: { value: '$__all', options: ['ana', 'bob'] },
    userCustomAll: { value: ['$__all'], options: ['ana', 'bob'], allValue: '.*' },
    none: { value: [] },
    q: { value: ' vpn ' },
    words: { value: ['vpn', 'export'] },
    aid: { value: '1234' },
    empty: { value: '' },
    topn: { value: '5' },
  });
});

describe('applyTemplateVariables', () => {
  const ds = makeDataSource();

  it('leaves a query without variables as its normalised self', () => {
    const q = query({ provider: 'domo', events: ['Viewed page'], search: 'x' });
    expect(ds.applyTemplateVariables(q, noScope)).toStrictEqual(q);
  });

  it('interpolates the provider; a variable set to All becomes "all"', () => {
    expect(ds.applyTemplateVariables(query({ provider: '$prov' }), noScope).provider).toBe('datafold');
    expect(ds.applyTemplateVariables(query({ provider: '${prov}' }), noScope).provider).toBe('datafold');
    expect(ds.applyTemplateVariables(query({ provider: '$provAll' }), noScope).provider).toBe('all');
  });

  it('expands multi-value variables in list fields to one entry per value', () => {
    const r = ds.applyTemplateVariables(query({ events: ['$ev'], objectTypes: ['[[one]]'] }), noScope);
    expect(r.events).toEqual(['Login failed.', 'Logout.']);
    expect(r.objectTypes).toEqual(['Create Dataset']);
  });

  it('keeps literal entries, de-duplicates and expands every combination', () => {
    const r = ds.applyTemplateVariables(query({ events: ['Logout.', '$ev', '${ev}'], users: ['$env-$ev'] }), noScope);
    expect(r.events).toEqual(['Logout.', 'Login failed.']);
    expect(r.users).toEqual(['prod-Login failed.', 'prod-Logout.', 'dev-Login failed.', 'dev-Logout.']);
  });

  it('drops the filter when a variable is set to All, with or without a custom all value', () => {
    expect(ds.applyTemplateVariables(query({ users: ['$user'] }), noScope).users).toEqual([]);
    expect(ds.applyTemplateVariables(query({ users: ['ana', '$userCustomAll'] }), noScope).users).toEqual([]);
  });

  it('drops entries of a variable with no value selected', () => {
    expect(ds.applyTemplateVariables(query({ events: ['$none', 'x'] }), noScope).events).toEqual(['x']);
  });

  it('uses scoped variables (repeated panels) before dashboard ones', () => {
    const scoped: ScopedVars = { user: { text: 'carol', value: 'carol' } };
    expect(ds.applyTemplateVariables(query({ users: ['$user'] }), scoped).users).toEqual(['carol']);
  });

  it('honours an explicit format in the text', () => {
    expect(ds.applyTemplateVariables(query({ events: ['${ev:csv}'] }), noScope).events).toEqual([
      'Login failed.,Logout.',
    ]);
  });

  it('interpolates and trims search, joining several values with spaces', () => {
    expect(ds.applyTemplateVariables(query({ search: '$q' }), noScope).search).toBe('vpn');
    expect(ds.applyTemplateVariables(query({ search: '$words' }), noScope).search).toBe('vpn export');
  });

  it('interpolates the provider options and leaves out ones that end up empty', () => {
    const r = ds.applyTemplateVariables(
      query({ options: { accountGroupId: '$aid', project: '$empty', allAccountGroups: true } }),
      noScope
    );
    expect(r.options).toStrictEqual({ accountGroupId: '1234', allAccountGroups: true });
  });

  it('interpolates a top-N given as a variable', () => {
    expect(ds.applyTemplateVariables(query({ limit: '$topn' }), noScope).limit).toBe(5);
  });

  it('migrates a legacy query and keeps the other DataQuery keys', () => {
    const legacy = {
      refId: 'B',
      datasource: { type: 'auditlens-auditlog-datasource', uid: 'audit-uid' },
      hide: false,
      key: 'Q-2',
      intervalMs: 60000,
      event: '$one',
      user: 'jwilson',
      queryType: 'time_series',
    } as unknown as AuditQuery;
    expect(ds.applyTemplateVariables(legacy, noScope)).toStrictEqual({
      refId: 'B',
      datasource: { type: 'auditlens-auditlog-datasource', uid: 'audit-uid' },
      hide: false,
      key: 'Q-2',
      intervalMs: 60000,
      provider: '',
      format: 'timeseries',
      events: ['Create Dataset'],
      objectTypes: [],
      users: ['jwilson'],
      search: '',
      groupBy: 'none',
      limit: 10,
      options: {},
    });
  });

  it('sends a query Go cannot decode unchanged, so the backend reports the error', () => {
    const bad = query({ events: [{ a: 1 }] });
    expect(ds.applyTemplateVariables(bad, noScope)).toBe(bad);
  });

  it('interpolates before validation: a provider variable is not an error', () => {
    const r = ds.applyTemplateVariables(query({ provider: '$prov', limit: 3 }), noScope);
    expect(r.provider).toBe('datafold');
    expect(r.limit).toBe(3);
  });

  it('is used for Explore too (interpolateVariablesInQueries)', () => {
    const [r] = ds.interpolateVariablesInQueries([query({ events: ['$ev'] })], noScope);
    expect(r.events).toEqual(['Login failed.', 'Logout.']);
  });
});

describe('variable helpers', () => {
  it('finds variable names in every syntax', () => {
    expect(variableNames('$a ${b} ${c:csv} ${d.field} [[e]] [[f:raw]] $a')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(variableNames('no variables')).toEqual([]);
  });

  it('knows when a variable is set to All', () => {
    expect(refersToAll('$user')).toBe(true);
    expect(refersToAll('$ev')).toBe(false);
    expect(refersToAll('$unknown')).toBe(false);
    expect(refersToAll('$user', { user: { text: 'a', value: 'a' } })).toBe(false);
  });

  it('leaves unknown variables as typed', () => {
    expect(interpolateList(['$unknown'], noScope)).toEqual(['$unknown']);
  });
});

describe('DataSource', () => {
  it('lists the enabled providers in display order', () => {
    const ds = new DataSource(
      instanceSettings({
        providers: { thousandeyes: { enabled: true }, domo: { enabled: true }, datafold: { enabled: false } },
      })
    );
    expect(ds.enabledProviders).toEqual(['domo', 'thousandeyes']);
    expect(new DataSource(instanceSettings({})).enabledProviders).toEqual([]);
  });

  it('supports annotations (table query, own editor, events from frames) and custom variables', () => {
    const ds = makeDataSource();
    expect(ds.annotations).toBe(auditAnnotationSupport);
    expect(ds.annotations?.QueryEditor).toBeDefined();
    expect(ds.annotations?.processEvents).toBeDefined();
    expect(ds.variables).toBeInstanceOf(AuditVariableSupport);
    expect(ds.variables?.getType()).toBe(VariableSupportType.Custom);
  });

  it('does not run hidden queries', () => {
    const ds = makeDataSource();
    expect(ds.filterQuery(query())).toBe(true);
    expect(ds.filterQuery(query({ hide: true }))).toBe(false);
  });

  it('gives defaults per app: table, time series for alerting, logs in Explore', () => {
    const ds = makeDataSource();
    expect(ds.getDefaultQuery(CoreApp.Dashboard)).toStrictEqual({
      provider: '',
      format: 'table',
      events: [],
      objectTypes: [],
      users: [],
      search: '',
      groupBy: 'none',
      limit: 10,
      options: {},
    });
    expect(ds.getDefaultQuery(CoreApp.UnifiedAlerting).format).toBe('timeseries');
    expect(ds.getDefaultQuery(CoreApp.Explore).format).toBe('logs');
  });

  it('describes a query in one line', () => {
    const ds = makeDataSource();
    expect(ds.getQueryDisplayText(query())).toBe('Audit log · Table');
    expect(
      ds.getQueryDisplayText(
        query({
          provider: 'thousandeyes',
          format: 'timeseries',
          groupBy: 'user',
          limit: 5,
          events: ['Login failed.'],
          search: 'vpn',
          options: { allAccountGroups: true },
        })
      )
    ).toBe(
      'Cisco ThousandEyes · Time series by user (top 5) · events: Login failed. · search: "vpn" · all account groups'
    );
    expect(ds.getQueryDisplayText({ refId: 'A', event: 'x', provider: 'all' } as unknown as AuditQuery)).toBe(
      'All providers · Table · events: x'
    );
  });
});

describe('resources', () => {
  it('getProviders reads GET providers', async () => {
    const ds = makeDataSource();
    const spy = jest
      .spyOn(ds, 'getResource')
      .mockResolvedValue([{ value: 'domo', label: 'Domo' }, { value: 'thousandeyes' }, { bad: 1 }, 'x']);
    await expect(ds.getProviders()).resolves.toEqual([
      { value: 'domo', label: 'Domo' },
      { value: 'thousandeyes', label: 'thousandeyes' },
    ]);
    expect(spy).toHaveBeenCalledWith('providers');
  });

  it('getLookup asks for one kind and provider, "all" when none or unresolved', async () => {
    const ds = makeDataSource();
    const spy = jest.spyOn(ds, 'getResource').mockResolvedValue([{ value: 'Login failed.', label: 'Login failed.' }]);
    await expect(ds.getLookup('events', 'thousandeyes')).resolves.toEqual([
      { value: 'Login failed.', label: 'Login failed.' },
    ]);
    expect(spy).toHaveBeenLastCalledWith('events', { provider: 'thousandeyes' });
    await ds.getLookup('users', '');
    expect(spy).toHaveBeenLastCalledWith('users', { provider: 'all' });
    await ds.getLookup('objectTypes', '$prov');
    expect(spy).toHaveBeenLastCalledWith('objectTypes', { provider: 'datafold' });
    await ds.getLookup('objectTypes', '$provAll');
    expect(spy).toHaveBeenLastCalledWith('objectTypes', { provider: 'all' });
  });

  it('getLookup sends the span: a time range as from/to, or days', async () => {
    const ds = makeDataSource();
    const spy = jest.spyOn(ds, 'getResource').mockResolvedValue([]);
    const to = Date.UTC(2026, 0, 15, 9, 0, 0);
    await ds.getLookup('users', 'domo', { from: to - 3600_000, to });
    expect(spy).toHaveBeenLastCalledWith('users', { provider: 'domo', from: to - 3600_000, to });
    await ds.getLookup('users', 'domo', { days: 7 });
    expect(spy).toHaveBeenLastCalledWith('users', { provider: 'domo', days: 7 });
  });

  describe('getLookup cache (on a set clock)', () => {
    const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
    beforeEach(() => {
      jest.useFakeTimers({ now: NOW });
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it('keeps answers for a minute per kind, provider and span, but not failures', async () => {
      const ds = makeDataSource();
      const spy = jest
        .spyOn(ds, 'getResource')
        .mockRejectedValueOnce({ data: { error: 'provider: "x" is not enabled' } });
      await expect(ds.getLookup('events', 'domo')).rejects.toEqual({ data: { error: 'provider: "x" is not enabled' } });
      spy.mockResolvedValue([{ value: 'a', label: 'a' }]);
      await ds.getLookup('events', 'domo');
      jest.setSystemTime(NOW + LOOKUP_TTL_MS - 1);
      await ds.getLookup('events', 'domo');
      expect(spy).toHaveBeenCalledTimes(2);
      await ds.getLookup('users', 'domo');
      expect(spy).toHaveBeenCalledTimes(3);
      // Another time range is another look-up.
      await ds.getLookup('events', 'domo', { from: NOW - 3600_000, to: NOW });
      await ds.getLookup('events', 'domo', { from: NOW - 3600_000, to: NOW });
      await ds.getLookup('events', 'domo', { from: NOW - 7200_000, to: NOW });
      expect(spy).toHaveBeenCalledTimes(5);
      // A minute after it was asked, the answer is asked again.
      jest.setSystemTime(NOW + LOOKUP_TTL_MS + 1);
      await ds.getLookup('events', 'domo');
      expect(spy).toHaveBeenCalledTimes(6);
    });
  });

  it('errorMessage reads backend and fetch errors', () => {
    expect(errorMessage({ data: { error: 'days: bad' } })).toBe('days: bad');
    expect(errorMessage({ data: { message: 'Plugin unavailable' } })).toBe('Plugin unavailable');
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage({ status: 502, statusText: 'Bad Gateway' })).toBe('Bad Gateway');
    expect(errorMessage(undefined)).toBe('request failed');
  });
});
