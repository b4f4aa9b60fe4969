/**
 * Per-provider facts for the editors: labels, which filters and options each
 * provider offers in the query editor, which settings its config section has,
 * default hosts and where its credential is made (see vendors.md).
 */
import { PROVIDER_ALL, PROVIDER_IDS, ProviderId, ProviderSettings, SECRET_KEYS, SecretKey } from './types';

/** Query filters shown in the editor. */
export type FilterField = 'events' | 'objectTypes' | 'users' | 'search';

/** Provider-specific query options (AuditQuery.options). */
export type QueryOptionField = 'accountGroupId' | 'allAccountGroups' | 'project';

/** Settings fields of a provider's config section (besides enable and the secret). */
export type ConfigField = 'instance' | 'clientId' | 'url' | 'authType' | 'region' | 'accountGroupId';

export interface ProviderInfo {
  id: ProviderId;
  label: string;
  /** One line about the API, shown in the config section. */
  description: string;
  /** Filters the query editor offers for this provider. */
  filters: FilterField[];
  /** Provider-specific query options. */
  queryOptions: QueryOptionField[];
  /** Settings fields in display order. */
  configFields: ConfigField[];
  /** The secureJsonData key of the provider's credential. */
  secretKey: SecretKey;
  secretLabel: string;
  /** How messages name the secret, in lower case (Go: models.secretLabels). */
  secretName: string;
  /** Where the credential is made and what it needs. */
  secretHelp: string;
  /** Default base URL, or undefined when there is none (Domino). */
  defaultUrl?: string;
  /** Documentation of the vendor API. */
  docsUrl: string;
  /**
   * The request rate the vendor documents, per minute, which the backend
   * stays under unless requestsPerMinute says otherwise (Go:
   * providers.RateLimited); undefined when the vendor documents none.
   */
  documentedRate?: number;
}

const ALL_FILTERS: FilterField[] = ['events', 'objectTypes', 'users', 'search'];

export const DOMO_URL_TEMPLATE = 'https://{instance}.domo.com';
export const DOMO_PLATFORM_URL = 'https://api.domo.com';
export const DATAFOLD_US_URL = 'https://app.datafold.com';
export const DATAFOLD_EU_URL = 'https://eu.datafold.com';
export const THOUSANDEYES_URL = 'https://api.thousandeyes.com';

export const PROVIDERS: Record<ProviderId, ProviderInfo> = {
  domo: {
    id: 'domo',
    label: 'Domo',
    description: "Domo's Activity Log API on your instance (https://{instance}.domo.com), read with an access token.",
    filters: ALL_FILTERS,
    queryOptions: [],
    configFields: ['instance', 'url'],
    secretKey: SECRET_KEYS.domo,
    secretLabel: 'Access token',
    secretName: 'access token',
    secretHelp:
      'Made by a Domo admin in Admin > Authentication > Access tokens. The token acts as its user, who needs the Admin role or the "View Activity Logs" grant. Tokens expire after the period chosen when making them.',
    defaultUrl: DOMO_URL_TEMPLATE,
    docsUrl: 'https://www.domo.com/docs/portal/b90c3866dbc26-activity-log-api',
  },
  'domo-platform': {
    id: 'domo-platform',
    label: 'Domo platform API',
    description:
      "Domo's platform API /v1/audit on https://api.domo.com, read with an OAuth client (client credentials).",
    filters: ALL_FILTERS,
    queryOptions: [],
    configFields: ['clientId', 'url'],
    secretKey: SECRET_KEYS['domo-platform'],
    secretLabel: 'Client secret',
    secretName: 'client secret',
    secretHelp:
      'Create a client on developer.domo.com (My Account > New Client) with the "audit" scope; paste its client id above and its secret here.',
    defaultUrl: DOMO_PLATFORM_URL,
    docsUrl: 'https://developer.domo.com/docs/activity-log-api-reference/activity-log',
  },
  domino: {
    id: 'domino',
    label: 'Domino Data Lab',
    description: "Domino's audit trail (/api/audittrail/v1/auditevents) on your Domino deployment. Admin only.",
    filters: ALL_FILTERS,
    queryOptions: ['project'],
    configFields: ['url', 'authType'],
    secretKey: SECRET_KEYS.domino,
    secretLabel: 'Token',
    secretName: 'token (bearer token or API key)',
    secretHelp:
      'A service account token or personal access token, sent as a bearer token (recommended by Domino), or a legacy API key (X-Domino-Api-Key, to be deprecated). The account must be a Domino admin.',
    defaultUrl: undefined,
    docsUrl: 'https://docs.dominodatalab.com/en/cloud/admin_guide/a157c4/using-the-audit-trail-api',
  },
  datafold: {
    id: 'datafold',
    label: 'Datafold',
    description: "Datafold's audit logs API (/api/v1/audit_logs) in the US or EU region, or on a dedicated domain.",
    filters: ALL_FILTERS,
    queryOptions: [],
    configFields: ['region'],
    secretKey: SECRET_KEYS.datafold,
    secretLabel: 'API key',
    secretName: 'API key',
    secretHelp: 'Create an API key in Datafold under Settings > Account. It is sent as "Authorization: Key <api key>".',
    defaultUrl: DATAFOLD_US_URL,
    docsUrl: 'https://docs.datafold.com/api-reference/audit-logs/get-audit-logs',
  },
  thousandeyes: {
    id: 'thousandeyes',
    label: 'Cisco ThousandEyes',
    description: "ThousandEyes' activity log (API v7 /audit-user-events) on https://api.thousandeyes.com.",
    filters: ALL_FILTERS,
    queryOptions: ['accountGroupId', 'allAccountGroups'],
    configFields: ['accountGroupId', 'url'],
    secretKey: SECRET_KEYS.thousandeyes,
    secretLabel: 'User API token',
    secretName: 'user API token',
    secretHelp:
      'A user API (OAuth bearer) token from Account Settings > Users and Roles > Profile > User API Tokens. Its user needs the permission to view the activity log.',
    defaultUrl: THOUSANDEYES_URL,
    docsUrl: 'https://developer.cisco.com/docs/thousandeyes/overview',
    documentedRate: 240,
  },
};

export const PROVIDER_LIST: ProviderInfo[] = PROVIDER_IDS.map((id) => PROVIDERS[id]);

/** The display name of a provider id, "All providers" for "all". */
export function providerLabel(id: string): string {
  if (id === PROVIDER_ALL) {
    return 'All providers';
  }
  return (PROVIDERS as Record<string, ProviderInfo | undefined>)[id]?.label ?? id;
}

/** The base URL the backend will call for a provider with these settings. */
export function effectiveUrl(id: ProviderId, s: ProviderSettings = {}): string | undefined {
  const url = s.url?.trim();
  if (url) {
    return url;
  }
  if (id === 'domo') {
    const instance = s.instance?.trim();
    return instance ? DOMO_URL_TEMPLATE.replace('{instance}', instance) : undefined;
  }
  return PROVIDERS[id].defaultUrl;
}

export type DatafoldRegion = 'us' | 'eu' | 'custom';

/** Which Datafold region a configured URL stands for. */
export function datafoldRegion(url?: string): DatafoldRegion {
  const u = (url ?? '').trim().replace(/\/+$/, '');
  if (u === '' || u === DATAFOLD_US_URL) {
    return 'us';
  }
  if (u === DATAFOLD_EU_URL) {
    return 'eu';
  }
  return 'custom';
}

/**
 * The providers a query reaches: one, or every enabled one for "" / "all"
 * (Go: Settings.Resolve, without its errors). Template variables in the
 * provider cannot be resolved here: they count as every enabled provider.
 */
export function resolveProviders(provider: string, enabled: ProviderId[]): ProviderId[] {
  const p = provider.trim();
  if (p === '' || p === PROVIDER_ALL || p.includes('$')) {
    return enabled;
  }
  return enabled.filter((id) => id === p);
}

/** Whether any of these providers offers a filter. */
export function supportsFilter(providers: ProviderId[], f: FilterField): boolean {
  return providers.length === 0 || providers.some((id) => PROVIDERS[id].filters.includes(f));
}

/** Whether any of these providers offers a query option. */
export function supportsOption(providers: ProviderId[], o: QueryOptionField): boolean {
  return providers.some((id) => PROVIDERS[id].queryOptions.includes(o));
}

// ---------------------------------------------------------------------------
// Settings checks: the rules of Go's models.CheckBaseURL and
// models.CheckProvider, with the same wording, so the config editor shows a
// problem before Save & test. The backend stays authoritative; both halves
// run the cases of testdata/settings/checks.json. Missing values are left to
// the required markers and Save & test: an empty form does not open in red.

/** The paths the backend appends to a base URL; a base URL holding one is a pasted endpoint (Go: apiPaths). */
export const API_PATHS = [
  '/api/audit/v1/user-audits',
  '/v1/audit',
  '/oauth/token',
  '/api/audittrail/v1/auditevents',
  '/api/v1/audit_logs',
  '/v7/audit-user-events',
];

/** A vendor's own domain: its API hosts must be https and bare (Go: vendorDomains). */
export interface VendorDomain {
  domain: string;
  label: string;
  /** Providers whose API lives on this domain. */
  providers: ProviderId[];
  /** The domain's web, documentation and sign-in hosts, which are not the API. */
  site: string[];
}

export const VENDOR_DOMAINS: VendorDomain[] = [
  {
    domain: 'domo.com',
    label: 'Domo',
    providers: ['domo', 'domo-platform'],
    site: ['domo.com', 'www.domo.com', 'developer.domo.com'],
  },
  {
    domain: 'thousandeyes.com',
    label: 'ThousandEyes',
    providers: ['thousandeyes'],
    site: [
      'thousandeyes.com',
      'www.thousandeyes.com',
      'app.thousandeyes.com',
      'docs.thousandeyes.com',
      'developer.thousandeyes.com',
    ],
  },
  {
    domain: 'datafold.com',
    label: 'Datafold',
    providers: ['datafold'],
    site: ['datafold.com', 'www.datafold.com', 'docs.datafold.com'],
  },
  {
    domain: 'dominodatalab.com',
    label: 'Domino',
    providers: ['domino'],
    site: ['dominodatalab.com', 'www.dominodatalab.com', 'docs.dominodatalab.com'],
  },
];

/** The vendor domain a host belongs to, if any. */
export function vendorOf(host: string): VendorDomain | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  return VENDOR_DOMAINS.find((v) => h === v.domain || h.endsWith(`.${v.domain}`));
}

/** A name's possessive: ThousandEyes', Domo's. */
export const possessive = (name: string) => (name.endsWith('s') ? `${name}'` : `${name}'s`);

/** Go's %q for the strings shown here. */
const quote = (s: string) => JSON.stringify(s);

/** A URL that did not parse, without any user name or password in it (Go: displayURL). */
function displayUrl(raw: string): string {
  let scheme = '';
  let rest = raw;
  const i = raw.indexOf('://');
  if (i >= 0) {
    scheme = raw.slice(0, i + 3);
    rest = raw.slice(i + 3);
  }
  const end = rest.search(/[/?#]/);
  const authority = end >= 0 ? rest.slice(0, end) : rest;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    rest = 'xxxxx' + rest.slice(at);
  }
  return scheme + rest;
}

interface BaseUrl {
  /** scheme://host[:port] */
  bare: string;
  /** Lower case, without a trailing dot. */
  hostname: string;
  /** The path without trailing slashes ("" for the bare host). */
  path: string;
}

/** Parses a base URL the way models.CheckBaseURL does: the URL's parts, or the problem with it. */
function parseBaseUrl(raw: string): BaseUrl | { error: string } {
  // What Go's url.Parse refuses or reads differently from the browser's URL:
  // control characters and backslashes, and no "//" authority (https:x.com).
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1];
  let u: URL | undefined;
  if (authority && !/[\x00-\x1f\x7f\\]/.test(raw)) {
    try {
      u = new URL(raw);
    } catch {
      u = undefined;
    }
  }
  if (u && authority?.includes('@')) {
    return { error: 'URL must not contain a user name or password; put credentials in the secret fields' };
  }
  if (!u || !u.host) {
    const msg = `URL ${quote(displayUrl(raw))} is not an absolute URL such as https://host.example.com`;
    return { error: raw.includes('@') ? `${msg}, and must not contain a user name or password` : msg };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    return { error: `URL ${quote(raw)} must start with https://` };
  }
  if (u.search || u.hash || raw.includes('?') || raw.includes('#')) {
    return { error: `URL ${quote(raw)} must not have a query string or fragment` };
  }
  let path = u.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it encoded
  }
  path = path.replace(/\/+$/, '');
  const bare = `${u.protocol}//${u.host}`;
  const hostname = u.hostname.replace(/\.$/, '');
  const v = vendorOf(hostname);
  if (v) {
    if (u.protocol !== 'https:') {
      return {
        error: `URL ${bare + path} uses plain http, but ${u.hostname} is ${possessive(v.label)} own host, which must be reached over https so that the credentials are encrypted: use https://${u.host + path}`,
      };
    }
    if (path !== '') {
      return {
        error: `URL ${bare + path} has a path, but ${v.label} serves its API at the root of ${u.hostname}: enter only https://${u.host} (the plugin adds ${path} itself)`,
      };
    }
  }
  for (const p of API_PATHS) {
    const at = `${path}/`.indexOf(`${p}/`);
    if (at >= 0) {
      return {
        error: `URL ${bare + path} contains the API path ${p}: enter the base URL without it (${bare + path.slice(0, at)}); the plugin adds the API path itself`,
      };
    }
  }
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (last === 'api' || last === 'v1' || last === 'v7') {
    return {
      error: `URL ${bare + path} ends with /${last}: enter the base URL without it (${bare + path.slice(0, -(last.length + 1))}); the plugin adds the API path itself`,
    };
  }
  return { bare, hostname, path };
}

/**
 * The problem with a configured base URL, or undefined when it is fine
 * (Go: models.CheckBaseURL): absolute http(s), no user name or password (never
 * shown back), no query or fragment; https and the bare host on a vendor's
 * own domain; never the API path itself. Plain http and a path prefix stay
 * allowed elsewhere (self-hosted Domino, proxies, the simulator). Empty is
 * fine here; whether a URL is required is per provider.
 */
export function checkBaseUrl(raw?: string): string | undefined {
  const s = (raw ?? '').trim();
  if (s === '') {
    return undefined;
  }
  const r = parseBaseUrl(s);
  return 'error' in r ? r.error : undefined;
}

/** Where a provider's API is, for messages (Go: expectedHost). */
function expectedHost(id: ProviderId): string {
  switch (id) {
    case 'domo':
      return 'enter the instance name (acme for https://acme.domo.com) and leave the URL empty';
    case 'domo-platform':
      return `leave the URL empty for ${DOMO_PLATFORM_URL}`;
    case 'domino':
      return "enter your Domino deployment's address";
    case 'datafold':
      return `use ${DATAFOLD_US_URL} (US), ${DATAFOLD_EU_URL} (EU) or your dedicated Datafold host`;
    case 'thousandeyes':
      return `leave the URL empty for ${THOUSANDEYES_URL}`;
  }
}

/**
 * The problem with the base URL a provider will call: checkBaseUrl, then
 * whether a vendor host is that provider's API host (not another vendor's,
 * not a web site, Domo's instance and platform hosts not swapped).
 */
export function checkProviderUrl(id: ProviderId, raw?: string): string | undefined {
  const s = (raw ?? '').trim();
  if (s === '') {
    return undefined;
  }
  const r = parseBaseUrl(s);
  if ('error' in r) {
    return r.error;
  }
  const v = vendorOf(r.hostname);
  if (!v) {
    return undefined;
  }
  const u = r.bare + r.path;
  if (!v.providers.includes(id)) {
    return `URL ${u} is ${possessive(v.label)} host, not the ${PROVIDERS[id].label} API: ${expectedHost(id)}`;
  }
  if (v.site.includes(r.hostname)) {
    return `URL ${u} is ${possessive(v.label)} web site, not its API: ${expectedHost(id)}`;
  }
  if (id === 'domo' && r.hostname === 'api.domo.com') {
    return `URL ${u} is Domo's platform API, not an instance: enter the instance name (acme for https://acme.domo.com) and leave the URL empty, or use the Domo platform API provider`;
  }
  if (id === 'domo-platform' && r.hostname !== 'api.domo.com') {
    return `URL ${u} is a Domo instance, not the platform API: leave the URL empty for ${DOMO_PLATFORM_URL}, or use the Domo provider for an instance's activity log`;
  }
  return undefined;
}

/** The problem with a Domo instance name (Go: models.CheckProvider). */
export function checkDomoInstance(instance?: string): string | undefined {
  const s = (instance ?? '').trim();
  if (/[./: @]/.test(s)) {
    return `instance ${quote(displayUrl(s))} should be only the name before .domo.com (acme for https://acme.domo.com)`;
  }
  return undefined;
}

/** The problem with a newly entered secret: spaces or line breaks inside it (Go: models.CheckProvider). */
export function checkSecret(id: ProviderId, secret?: string): string | undefined {
  if (/[\x00-\x20\x7f]/.test((secret ?? '').trim())) {
    return `the ${PROVIDERS[id].secretName} contains spaces or line breaks; paste it again as one line`;
  }
  return undefined;
}

/** A setting CheckProvider names: a jsonData.providers.<id> key or the secret's secureJsonData key. */
export type CheckedSetting = 'instance' | 'url' | 'authType' | SecretKey;

export type SettingProblems = Partial<Record<CheckedSetting, string>>;

/**
 * Every problem with a provider's settings the editor can show, by the
 * setting Save & test would name (Go: models.CheckProvider, which reports
 * the first one). `secret` is a newly entered secret, if any. Missing values
 * are not reported.
 */
export function checkProviderSettings(id: ProviderId, s: ProviderSettings = {}, secret?: string): SettingProblems {
  const out: SettingProblems = {};
  const info = PROVIDERS[id];
  const secretProblem = checkSecret(id, secret);
  if (secretProblem) {
    out[info.secretKey] = secretProblem;
  }
  let def = info.defaultUrl;
  if (id === 'domo') {
    const instance = (s.instance ?? '').trim();
    const instanceProblem = checkDomoInstance(instance);
    if (instanceProblem) {
      out.instance = instanceProblem;
    }
    def = instance && !instanceProblem ? DOMO_URL_TEMPLATE.replace('{instance}', instance) : undefined;
  }
  if (id === 'domino' && s.authType && s.authType !== 'bearer' && s.authType !== 'apiKey') {
    out.authType = `authType ${quote(s.authType)} is unknown (use "bearer" or "apiKey")`;
  }
  const url = (s.url ?? '').trim();
  const urlProblem = checkProviderUrl(id, url || def);
  if (urlProblem) {
    out[url ? 'url' : 'instance'] = urlProblem;
  }
  return out;
}
