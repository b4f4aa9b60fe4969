import fs from 'fs';
import path from 'path';

import {
  CONTRACT_KEYS,
  DEFAULT_QUERY,
  formatGoFloat,
  goTrim,
  migrateQuery,
  normalizeQuery,
  parseQuery,
  validateQuery,
} from './types';

interface NormalizeCase {
  name: string;
  input: unknown;
  expected?: Record<string, unknown>;
  errorField?: string;
}

// The fixtures Go's pkg/models tests read too (paths from the repository root).
const fixturePath = path.join(__dirname, '..', 'testdata', 'queries', 'normalize.json');
const fixtures: { cases: NormalizeCase[] } = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));

describe('shared fixtures (testdata/queries/normalize.json)', () => {
  it('holds cases of both kinds', () => {
    expect(fixtures.cases.length).toBeGreaterThanOrEqual(10);
    expect(fixtures.cases.some((c) => c.expected)).toBe(true);
    expect(fixtures.cases.some((c) => c.errorField)).toBe(true);
    for (const c of fixtures.cases) {
      expect(Boolean(c.expected) !== Boolean(c.errorField)).toBe(true);
    }
  });

  const valid = fixtures.cases.filter((c) => c.expected);
  const invalid = fixtures.cases.filter((c) => c.errorField);

  describe.each(valid.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('normalises to exactly the expected query', () => {
      expect(normalizeQuery(c.input)).toStrictEqual(c.expected);
    });
    it('is valid', () => {
      expect(validateQuery(c.input)).toBeUndefined();
    });
    it('is stable: the expected query normalises to itself and is valid', () => {
      expect(normalizeQuery(c.expected)).toStrictEqual(c.expected);
      expect(validateQuery(c.expected)).toBeUndefined();
    });
    it('has the contract keys and only those', () => {
      expect(Object.keys(normalizeQuery(c.input)).sort()).toEqual([...CONTRACT_KEYS].sort());
    });
  });

  describe.each(invalid.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it(`returns an error that starts with "${c.errorField}:"`, () => {
      const err = validateQuery(c.input);
      expect(err).toBeDefined();
      expect(err!.startsWith(`${c.errorField}:`)).toBe(true);
    });
    it('still normalises without throwing', () => {
      expect(() => normalizeQuery(c.input)).not.toThrow();
      expect(normalizeQuery(c.input).refId).toBe((c.input as { refId: string }).refId);
    });
  });
});

describe('normalizeQuery beyond the fixtures (mirrors models.ParseQuery)', () => {
  it('treats null, undefined and {} as an empty query', () => {
    for (const raw of [null, undefined, {}]) {
      expect(normalizeQuery(raw)).toStrictEqual({ refId: '', ...DEFAULT_QUERY });
      expect(validateQuery(raw)).toBeUndefined();
    }
  });

  it('rejects a query that is not an object, without naming a field', () => {
    expect(validateQuery([])).toMatch(/^the query is not valid JSON/);
    expect(validateQuery('x')).toMatch(/^the query is not valid JSON/);
  });

  it('knows every format alias, case and spaces ignored', () => {
    const cases: Record<string, string> = {
      timeseries: 'timeseries',
      time_series: 'timeseries',
      'Time Series': 'timeseries',
      timeserie: 'timeseries',
      GRAPH: 'timeseries',
      ' log ': 'logs',
      Logs: 'logs',
      ' TABLE': 'table',
    };
    for (const [input, want] of Object.entries(cases)) {
      expect(normalizeQuery({ format: input }).format).toBe(want);
    }
  });

  it('uses queryType only when format is absent or empty', () => {
    expect(normalizeQuery({ queryType: 'logs' }).format).toBe('logs');
    expect(normalizeQuery({ format: '', queryType: 'graph' }).format).toBe('timeseries');
    expect(normalizeQuery({ format: 'table', queryType: 'logs' }).format).toBe('table');
  });

  it('keeps an unknown format or groupBy as given, so validation names it', () => {
    expect(normalizeQuery({ format: 'Heatmap' }).format).toBe('Heatmap');
    expect(validateQuery({ format: 'Heatmap' })).toMatch(/^format: /);
    // groupBy is not trimmed in Go either.
    expect(validateQuery({ groupBy: ' user' })).toMatch(/^groupBy: /);
  });

  it('trims the provider but does not lower-case it', () => {
    expect(normalizeQuery({ provider: ' domo ' }).provider).toBe('domo');
    expect(validateQuery({ provider: 'Domo' })).toMatch(/^provider: /);
    expect(validateQuery({ provider: 'all' })).toBeUndefined();
    expect(validateQuery({ provider: 'domo-platform' })).toBeUndefined();
  });

  it('formats numbers in lists like Go (no exponent, shortest digits)', () => {
    expect(normalizeQuery({ users: [1.5, 7, -0, 1e21, 1.25e-7, 42, '42'] }).users).toEqual([
      '1.5',
      '7',
      '-0',
      '1000000000000000000000',
      '0.000000125',
      '42',
    ]);
    expect(formatGoFloat(123456789012345680000)).toBe('123456789012345680000');
    expect(formatGoFloat(1.2e-10)).toBe('0.00000000012');
    expect(formatGoFloat(-2.5e22)).toBe('-25000000000000000000000');
  });

  it('reads limit from numbers and strings like Go', () => {
    expect(normalizeQuery({ limit: ' 12 ' }).limit).toBe(12);
    expect(normalizeQuery({ limit: '+3' }).limit).toBe(3);
    expect(normalizeQuery({ limit: '' }).limit).toBe(10);
    expect(normalizeQuery({ limit: 0 }).limit).toBe(10);
    expect(normalizeQuery({ limit: '0' }).limit).toBe(10);
    expect(normalizeQuery({ limit: 500 }).limit).toBe(500);
    expect(validateQuery({ limit: 500 })).toBeUndefined();
    expect(validateQuery({ limit: 501 })).toMatch(/^limit: /);
    expect(validateQuery({ limit: 2.5 })).toMatch(/^limit: expected a whole number/);
    expect(validateQuery({ limit: '7.0' })).toMatch(/^limit: expected a number/);
    expect(validateQuery({ limit: '1e2' })).toMatch(/^limit: expected a number/);
    expect(validateQuery({ limit: true })).toMatch(/^limit: /);
    expect(validateQuery({ limit: { x: 1 } })).toMatch(/^limit: /);
  });

  it('names the field of a value with the wrong JSON type', () => {
    expect(validateQuery({ search: 5 })).toMatch(/^search: /);
    expect(validateQuery({ provider: ['domo'] })).toMatch(/^provider: /);
    expect(validateQuery({ refId: 1 })).toMatch(/^refId: /);
    expect(validateQuery({ groupBy: false })).toMatch(/^groupBy: /);
    expect(validateQuery({ queryType: {} })).toMatch(/^queryType: /);
    expect(validateQuery({ users: 5 })).toMatch(/^users: /);
    expect(validateQuery({ user: [true] })).toMatch(/^user: /);
    expect(validateQuery({ objectTypes: [['PAGE']] })).toMatch(/^objectTypes: /);
    expect(validateQuery({ options: 'x' })).toMatch(/^options: /);
    expect(validateQuery({ options: [] })).toMatch(/^options: /);
    expect(validateQuery({ options: { allAccountGroups: 'yes' } })).toMatch(/^options: /);
    expect(validateQuery({ options: { project: 5 } })).toMatch(/^options: /);
  });

  it('reports the first problem in the order Go checks fields', () => {
    // Decoding comes before validation; strings before lists before limit and options.
    expect(validateQuery({ provider: 'splunk', search: 5 })).toMatch(/^search: /);
    expect(validateQuery({ events: [{}], limit: 'x', search: 5 })).toMatch(/^search: /);
    expect(validateQuery({ events: [{}], limit: 'x' })).toMatch(/^events: /);
    expect(validateQuery({ limit: 'x', options: 1 })).toMatch(/^limit: /);
    expect(validateQuery({ provider: 'splunk', format: 'x', groupBy: 'y', limit: -5 })).toMatch(/^provider: /);
    expect(validateQuery({ format: 'x', groupBy: 'y', limit: -5 })).toMatch(/^format: /);
    expect(validateQuery({ groupBy: 'y', limit: -5 })).toMatch(/^groupBy: /);
  });

  it('reads options like encoding/json: case-insensitive keys, nulls ignored, empties left out', () => {
    expect(normalizeQuery({ options: { AccountGroupID: ' 77 ', ALLACCOUNTGROUPS: true } }).options).toStrictEqual({
      accountGroupId: '77',
      allAccountGroups: true,
    });
    expect(
      normalizeQuery({ options: { accountGroupId: null, project: '  ', allAccountGroups: false, x: 1 } }).options
    ).toStrictEqual({});
    expect(normalizeQuery({ options: null }).options).toStrictEqual({});
  });

  it('merges legacy keys after current ones, de-duplicated after trimming', () => {
    const q = normalizeQuery({ users: ['ana', ' bob'], user: 'bob ', objectTypes: [], objectType: ['CARD', 'CARD'] });
    expect(q.users).toEqual(['ana', 'bob']);
    expect(q.objectTypes).toEqual(['CARD']);
  });

  it('trims with Go’s notion of white space', () => {
    expect(goTrim('\u00a0\u2003x\u0085\n')).toBe('x');
    // U+FEFF is not white space in Go.
    expect(goTrim('\ufeffx')).toBe('\ufeffx');
  });

  it('keeps the usable part of a list Go would reject, and says so', () => {
    const p = parseQuery({ events: ['a', { x: 1 }, 'b'] });
    expect(p.query.events).toEqual(['a', 'b']);
    expect(p.decodeError).toBe(true);
    expect(p.error).toMatch(/^events: /);
  });

  it('separates validation errors from decode errors', () => {
    const p = parseQuery({ limit: 9999 });
    expect(p.error).toMatch(/^limit: /);
    expect(p.decodeError).toBeUndefined();
    expect(p.query.limit).toBe(9999);
  });
});

describe('migrateQuery', () => {
  it('keeps DataQuery keys, drops legacy keys and normalises the contract', () => {
    const raw = {
      refId: 'A',
      datasource: { type: 'auditlens-auditlog-datasource', uid: 'abc' },
      hide: false,
      key: 'Q-1',
      intervalMs: 30000,
      event: 'Login failed.',
      queryType: 'graph',
      provider: 'thousandeyes',
    };
    const q = migrateQuery(raw as never);
    expect(q).toStrictEqual({
      refId: 'A',
      datasource: { type: 'auditlens-auditlog-datasource', uid: 'abc' },
      hide: false,
      key: 'Q-1',
      intervalMs: 30000,
      provider: 'thousandeyes',
      format: 'timeseries',
      events: ['Login failed.'],
      objectTypes: [],
      users: [],
      search: '',
      groupBy: 'none',
      limit: 10,
      options: {},
    });
  });
});
