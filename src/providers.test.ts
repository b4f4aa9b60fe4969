import fs from 'fs';
import path from 'path';

import {
  API_PATHS,
  checkBaseUrl,
  checkDomoInstance,
  checkProviderSettings,
  checkProviderUrl,
  checkSecret,
  datafoldRegion,
  effectiveUrl,
  PROVIDER_LIST,
  PROVIDERS,
  providerLabel,
  resolveProviders,
  supportsFilter,
  supportsOption,
  VENDOR_DOMAINS,
  vendorOf,
} from './providers';
import {
  DEFAULT_LIMIT,
  enabledProviders,
  FORMATS,
  GROUP_BYS,
  MAX_LIMIT,
  MAX_RATE_LIMIT_RESERVE,
  PROVIDER_IDS,
  ProviderId,
  ProviderSettings,
  SECRET_KEYS,
  SETTINGS_DEFAULTS,
} from './types';

const goFile = (...p: string[]) => fs.readFileSync(path.join(__dirname, '..', 'pkg', ...p), 'utf8');

/** The Go string constants of a file: Name = "value". */
function goConsts(src: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of src.matchAll(/^\s*(\w+)\s*=\s*"([^"]*)"/gm)) {
    out[m[1]] = m[2];
  }
  return out;
}

/** Entries of a Go map literal `var name = map[string]string{ K: "v", ... }`, keys resolved through consts. */
function goStringMap(src: string, name: string, consts: Record<string, string>): Record<string, string> {
  const body = new RegExp(`var ${name} = map\\[string\\]string\\{([\\s\\S]*?)\\n\\}`).exec(src)?.[1] ?? '';
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/^\s*(?:events\.)?(\w+):\s*"([^"]*)"/gm)) {
    out[consts[m[1]] ?? m[1]] = m[2];
  }
  return out;
}

// The Go half of the contract, read from its source so the halves cannot drift.
describe('matches the Go contract (pkg/)', () => {
  const eventSrc = goFile('events', 'event.go');
  const ids = goConsts(eventSrc);

  it('provider ids and display order', () => {
    const list = /var ProviderIDs = \[\]string\{([^}]*)\}/.exec(eventSrc)?.[1] ?? '';
    const order = list.split(',').map((s) => ids[s.trim()]);
    expect(order).toEqual([...PROVIDER_IDS]);
  });

  it('provider labels', () => {
    const labels = goStringMap(eventSrc, 'ProviderLabels', ids);
    expect(labels).toEqual(Object.fromEntries(PROVIDER_LIST.map((p) => [p.id, p.label])));
  });

  it('secret keys', () => {
    const src = goFile('models', 'settings.go');
    expect(goStringMap(src, 'secretKeys', ids)).toEqual(SECRET_KEYS);
    for (const p of PROVIDER_LIST) {
      expect(p.secretKey).toBe(SECRET_KEYS[p.id]);
    }
  });

  it('secret names in messages', () => {
    const src = goFile('models', 'settings.go');
    expect(goStringMap(src, 'secretLabels', ids)).toEqual(
      Object.fromEntries(PROVIDER_LIST.map((p) => [p.id, p.secretName]))
    );
  });

  it('API paths a base URL must not contain', () => {
    const body = /var apiPaths = \[\]string\{([^}]*)\}/.exec(goFile('models', 'settings.go'))?.[1] ?? '';
    expect([...body.matchAll(/"([^"]*)"/g)].map((m) => m[1])).toEqual(API_PATHS);
  });

  it("vendors' domains, their providers and web sites", () => {
    const body =
      /var vendorDomains = \[\]vendorDomain\{([\s\S]*?)\n\}/.exec(goFile('models', 'settings.go'))?.[1] ?? '';
    const strings = (list: string) => [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    const go = [...body.matchAll(/\{"([^"]+)", "([^"]+)", \[\]string\{([^}]*)\}, \[\]string\{([^}]*)\}\}/g)].map(
      (m) => ({
        domain: m[1],
        label: m[2],
        providers: m[3].split(',').map((x) => ids[x.trim().replace(/^events\./, '')]),
        site: strings(m[4]),
      })
    );
    expect(go).toEqual(VENDOR_DOMAINS);
  });

  it('settings defaults', () => {
    const src = goFile('models', 'settings.go');
    expect(src).toMatch(new RegExp(`DefaultMaxEvents\\s*=\\s*${SETTINGS_DEFAULTS.maxEvents}\\b`));
    expect(src).toMatch(new RegExp(`DefaultConcurrency\\s*=\\s*${SETTINGS_DEFAULTS.concurrency}\\b`));
    expect(src).toMatch(
      new RegExp(`DefaultCacheTTL\\s*=\\s*${SETTINGS_DEFAULTS.cacheTTLSeconds / 60} \\* time.Minute`)
    );
    expect(src).toMatch(new RegExp(`DefaultCacheMB\\s*=\\s*${SETTINGS_DEFAULTS.cacheMaxMB}\\b`));
    expect(src).toMatch(new RegExp(`DefaultRateLimitReserve\\s*=\\s*${SETTINGS_DEFAULTS.rateLimitReserve}\\b`));
    expect(src).toContain(`*r < 0 || *r > ${MAX_RATE_LIMIT_RESERVE}`);
    expect(src).toContain(`is not a percentage from 0 to ${MAX_RATE_LIMIT_RESERVE} (default %d)`);
  });

  it('formats, group-bys and top-N bounds', () => {
    const c = goConsts(goFile('models', 'query.go'));
    expect(['FormatTable', 'FormatTimeSeries', 'FormatLogs'].map((k) => c[k])).toEqual([...FORMATS]);
    expect(
      ['GroupNone', 'GroupEvent', 'GroupUser', 'GroupObjectType', 'GroupProvider', 'GroupIPAddress'].map((k) => c[k])
    ).toEqual([...GROUP_BYS]);
    const src = goFile('models', 'query.go');
    expect(src).toMatch(new RegExp(`DefaultLimit\\s*=\\s*${DEFAULT_LIMIT}\\b`));
    expect(src).toMatch(new RegExp(`MaxLimit\\s*=\\s*${MAX_LIMIT}\\b`));
  });

  it('request rates: the settings key and the rates vendors document', () => {
    expect(goFile('models', 'settings.go')).toMatch(/RequestsPerMinute int\s+`json:"requestsPerMinute,omitempty"`/);
    const documented: Record<string, number> = {};
    for (const p of PROVIDER_LIST) {
      const file = p.id === 'domo-platform' ? 'domo_platform.go' : `${p.id}.go`;
      // providers.RateLimited: RequestsPerMinute() int, or RateLimit() with a budget.Limit{Requests: N, ...}.
      const m =
        /\) (?:RequestsPerMinute\(\) int \{ return (\d+) \}|RateLimit\(\)[^{]*\{[\s\S]*?Requests:\s*(\d+))/.exec(
          goFile('providers', file)
        );
      if (m) {
        documented[p.id] = Number(m[1] ?? m[2]);
      }
    }
    expect(documented).toEqual(
      Object.fromEntries(PROVIDER_LIST.filter((p) => p.documentedRate).map((p) => [p.id, p.documentedRate]))
    );
    expect(documented).toEqual({ thousandeyes: 240 });
  });

  it('default hosts', () => {
    expect(goConsts(goFile('providers', 'domo_platform.go')).domoPlatformURL).toBe(
      PROVIDERS['domo-platform'].defaultUrl
    );
    expect(goConsts(goFile('providers', 'datafold.go')).datafoldURL).toBe(PROVIDERS.datafold.defaultUrl);
    expect(goConsts(goFile('providers', 'thousandeyes.go')).thousandEyesURL).toBe(PROVIDERS.thousandeyes.defaultUrl);
    expect(goFile('providers', 'domo.go')).toContain('"https://" + ps.Instance + ".domo.com"');
  });
});

describe('provider facts', () => {
  it('every provider supports every filter in the UI', () => {
    for (const p of PROVIDER_LIST) {
      expect([...p.filters].sort()).toEqual(['events', 'objectTypes', 'search', 'users']);
    }
  });

  it('provider-specific options: ThousandEyes account groups, Domino project', () => {
    expect(PROVIDERS.thousandeyes.queryOptions).toEqual(['accountGroupId', 'allAccountGroups']);
    expect(PROVIDERS.domino.queryOptions).toEqual(['project']);
    for (const id of ['domo', 'domo-platform', 'datafold'] as const) {
      expect(PROVIDERS[id].queryOptions).toEqual([]);
    }
  });

  it('say where each credential is made', () => {
    expect(PROVIDERS.domo.secretHelp).toMatch(/Admin > Authentication > Access tokens/);
    expect(PROVIDERS.domo.secretHelp).toMatch(/View Activity Logs/);
    expect(PROVIDERS['domo-platform'].secretHelp).toMatch(/developer\.domo\.com.*"audit" scope/);
    expect(PROVIDERS.domino.secretHelp).toMatch(/service account token or personal access token/);
    expect(PROVIDERS.domino.secretHelp).toMatch(/legacy API key/);
    expect(PROVIDERS.domino.secretHelp).toMatch(/admin/);
    expect(PROVIDERS.datafold.secretHelp).toMatch(/Settings > Account/);
    expect(PROVIDERS.datafold.secretHelp).toMatch(/Authorization: Key/);
    expect(PROVIDERS.thousandeyes.secretHelp).toMatch(/Account Settings > Users and Roles > Profile/);
    expect(PROVIDERS.thousandeyes.secretHelp).toMatch(/activity log/);
  });

  it('labels, with All providers for "all" and the id for anything unknown', () => {
    expect(providerLabel('domo-platform')).toBe('Domo platform API');
    expect(providerLabel('all')).toBe('All providers');
    expect(providerLabel('splunk')).toBe('splunk');
  });
});

describe('helpers', () => {
  it('effectiveUrl: the override, the Domo instance host or the default', () => {
    expect(effectiveUrl('domo', { instance: 'acme' })).toBe('https://acme.domo.com');
    expect(effectiveUrl('domo', {})).toBeUndefined();
    expect(effectiveUrl('domo', { instance: 'acme', url: ' http://sim:8080 ' })).toBe('http://sim:8080');
    expect(effectiveUrl('domo-platform')).toBe('https://api.domo.com');
    expect(effectiveUrl('domino')).toBeUndefined();
    expect(effectiveUrl('datafold')).toBe('https://app.datafold.com');
    expect(effectiveUrl('thousandeyes')).toBe('https://api.thousandeyes.com');
  });

  it('datafoldRegion', () => {
    expect(datafoldRegion(undefined)).toBe('us');
    expect(datafoldRegion('https://app.datafold.com/')).toBe('us');
    expect(datafoldRegion('https://eu.datafold.com')).toBe('eu');
    expect(datafoldRegion('https://datafold.acme.com')).toBe('custom');
  });

  it('checkBaseUrl: empty is fine here, surrounding spaces are ignored', () => {
    expect(checkBaseUrl('')).toBeUndefined();
    expect(checkBaseUrl(undefined)).toBeUndefined();
    expect(checkBaseUrl('  https://domino.example.com  ')).toBeUndefined();
    expect(checkBaseUrl(' http://vendorsim:8099/v7 ')).toMatch(/ends with \/v7/);
  });

  it('checkProviderUrl: the default hosts are fine for their provider', () => {
    for (const p of PROVIDER_LIST) {
      expect(checkProviderUrl(p.id, p.defaultUrl ?? 'https://domino.example.com')).toBeUndefined();
    }
    expect(checkProviderUrl('domo', effectiveUrl('domo', { instance: 'acme' }))).toBeUndefined();
    expect(checkProviderUrl('datafold', 'https://eu.datafold.com')).toBeUndefined();
  });

  it('vendorOf: the domain and its sub-domains, in any case, with a trailing dot', () => {
    expect(vendorOf('ACME.Domo.com.')?.label).toBe('Domo');
    expect(vendorOf('datafold.com')?.label).toBe('Datafold');
    expect(vendorOf('notdomo.com')).toBeUndefined();
    expect(vendorOf('thousandeyes.com.example.net')).toBeUndefined();
  });

  it('checkDomoInstance: the name before .domo.com, never showing a password', () => {
    expect(checkDomoInstance('acme')).toBeUndefined();
    expect(checkDomoInstance(' acme ')).toBeUndefined();
    expect(checkDomoInstance('acme.domo.com')).toBe(
      'instance "acme.domo.com" should be only the name before .domo.com (acme for https://acme.domo.com)'
    );
    expect(checkDomoInstance('https://acme')).toBeDefined();
    expect(checkDomoInstance('me:hunter2@acme')).toBe(
      'instance "xxxxx@acme" should be only the name before .domo.com (acme for https://acme.domo.com)'
    );
  });

  it('checkSecret: spaces or line breaks inside a newly entered secret', () => {
    expect(checkSecret('domo', undefined)).toBeUndefined();
    expect(checkSecret('domo', '  abc\n')).toBeUndefined();
    expect(checkSecret('datafold', 'ab cd')).toBe(
      'the API key contains spaces or line breaks; paste it again as one line'
    );
  });

  it('checkProviderSettings reports every problem the editor can show, not missing values', () => {
    expect(checkProviderSettings('domo', {})).toEqual({});
    expect(checkProviderSettings('domino', {})).toEqual({});
    expect(checkProviderSettings('domo', { instance: 'acme.domo.com', url: 'http://acme.domo.com' }, 'a b')).toEqual({
      instance: expect.stringMatching(/only the name before/),
      url: expect.stringMatching(/uses plain http/),
      domoToken: expect.stringMatching(/contains spaces/),
    });
  });

  it('resolveProviders mirrors Settings.Resolve', () => {
    const enabled = enabledProviders({ providers: { domo: { enabled: true }, domino: { enabled: true } } });
    expect(enabled).toEqual(['domo', 'domino']);
    expect(resolveProviders('', enabled)).toEqual(enabled);
    expect(resolveProviders('all', enabled)).toEqual(enabled);
    expect(resolveProviders('$p', enabled)).toEqual(enabled);
    expect(resolveProviders('domino', enabled)).toEqual(['domino']);
    expect(resolveProviders('datafold', enabled)).toEqual([]);
  });

  it('supportsFilter / supportsOption', () => {
    expect(supportsFilter([], 'events')).toBe(true);
    expect(supportsOption(['domo', 'thousandeyes'], 'allAccountGroups')).toBe(true);
    expect(supportsOption(['domo'], 'project')).toBe(false);
  });
});

interface BaseUrlCase {
  url: string;
  error: string;
}

interface ProviderCase {
  name: string;
  provider: ProviderId;
  settings: ProviderSettings;
  secret: string;
  setting?: string;
  error?: string;
}

// The cases Go's pkg/models tests read too, so the config editor's checks
// and the backend's cannot drift.
describe('shared fixtures (testdata/settings/checks.json)', () => {
  const fixtures: { notShown: string[]; baseUrl: BaseUrlCase[]; providers: ProviderCase[] } = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', 'testdata', 'settings', 'checks.json'), 'utf8')
  );
  const shows = (msg: string) => fixtures.notShown.some((s) => msg.includes(s));

  it('holds cases', () => {
    expect(fixtures.baseUrl.length).toBeGreaterThanOrEqual(20);
    expect(fixtures.providers.length).toBeGreaterThanOrEqual(10);
    expect(fixtures.notShown.length).toBeGreaterThan(0);
  });

  it.each(fixtures.baseUrl.map((c) => [c.url, c.error] as const))('checkBaseUrl(%j)', (url, error) => {
    const got = checkBaseUrl(url);
    if (error === '') {
      expect(got).toBeUndefined();
      return;
    }
    expect(got).toContain(error);
    expect(shows(got!)).toBe(false);
  });

  it.each(fixtures.providers.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = checkProviderSettings(c.provider, c.settings, c.secret);
    if (!c.setting) {
      expect(got).toEqual({});
      return;
    }
    expect(Object.keys(got)).toEqual([c.setting]);
    const msg = Object.values(got)[0]!;
    expect(msg).toContain(c.error);
    expect(shows(msg)).toBe(false);
    expect(msg).not.toContain(c.secret.trim());
  });
});
