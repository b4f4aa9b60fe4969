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
  /** Where the credential is made and what it needs. */
  secretHelp: string;
  /** Default base URL, or undefined when there is none (Domino). */
  defaultUrl?: string;
  /** Documentation of the vendor API. */
  docsUrl: string;
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
    secretHelp:
      'A user API (OAuth bearer) token from Account Settings > Users and Roles > Profile > User API Tokens. Its user needs the permission to view the activity log.',
    defaultUrl: THOUSANDEYES_URL,
    docsUrl: 'https://developer.cisco.com/docs/thousandeyes/overview',
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

/**
 * The problem with a configured base URL, or undefined when it is fine
 * (Go: models.CheckBaseURL): absolute http(s), no credentials, no query or
 * fragment. Empty is fine here; whether a URL is required is per provider.
 */
export function checkBaseUrl(raw?: string): string | undefined {
  const s = (raw ?? '').trim();
  if (s === '') {
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return 'Not an absolute URL such as https://host.example.com';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    return 'The URL must start with https://';
  }
  if (!u.host) {
    return 'Not an absolute URL such as https://host.example.com';
  }
  if (u.username || u.password) {
    return 'The URL must not contain a user name or password; put credentials in the secret field';
  }
  if (u.search || u.hash || s.includes('?') || s.includes('#')) {
    return 'The URL must not have a query string or fragment';
  }
  return undefined;
}

/** The problem with a Domo instance name (Go: providers/domo.go). */
export function checkDomoInstance(instance?: string): string | undefined {
  const s = (instance ?? '').trim();
  if (/[./:]/.test(s)) {
    return `Only the name before .domo.com (acme for https://acme.domo.com)`;
  }
  return undefined;
}
