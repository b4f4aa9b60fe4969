/**
 * The query and settings contracts of the Audit Log data source.
 *
 * The Go mirror is pkg/models (query.go, settings.go); it is authoritative for
 * behaviour. testdata/queries/normalize.json holds fixtures that both halves
 * check, so `normalizeQuery` here and `models.ParseQuery` in Go cannot drift.
 */
import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

// ---------------------------------------------------------------------------
// Providers

export const PROVIDER_IDS = ['domo', 'domo-platform', 'domino', 'datafold', 'thousandeyes'] as const;

/** One vendor API. The order of PROVIDER_IDS is the display order. */
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** The query's provider value that merges every enabled provider. */
export const PROVIDER_ALL = 'all';

export function isProviderId(v: unknown): v is ProviderId {
  return typeof v === 'string' && (PROVIDER_IDS as readonly string[]).includes(v);
}

// ---------------------------------------------------------------------------
// Query model

export const FORMATS = ['table', 'timeseries', 'logs'] as const;
export type QueryFormat = (typeof FORMATS)[number];

export const GROUP_BYS = ['none', 'event', 'user', 'objectType', 'provider', 'ipAddress'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export const FORMAT_LABELS: Record<QueryFormat, string> = { table: 'Table', timeseries: 'Time series', logs: 'Logs' };

export const GROUP_BY_LABELS: Record<GroupBy, string> = {
  none: 'None',
  event: 'Event',
  user: 'User',
  objectType: 'Object type',
  provider: 'Provider',
  ipAddress: 'IP address',
};

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 500;

/** Provider-specific extras. Empty values are left out (Go: omitempty). */
export interface AuditQueryOptions {
  /** Overrides the ThousandEyes account group (aid) of the data source. */
  accountGroupId?: string;
  /** Asks ThousandEyes for every permitted account group. */
  allAccountGroups?: boolean;
  /** Restricts Domino events to one project (by name). */
  project?: string;
}

export interface AuditQuery extends DataQuery {
  /** One provider id, "all" for every enabled provider, "" for the only enabled one (or all). */
  provider: string;
  format: QueryFormat;
  /** Event / action filter. */
  events: string[];
  /** Object / target / resource type filter. */
  objectTypes: string[];
  /** User name, id or e-mail. */
  users: string[];
  /** Free text over the message. */
  search: string;
  /** Time series split. */
  groupBy: GroupBy;
  /** Top-N series, the rest folded into "other". */
  limit: number;
  options: AuditQueryOptions;
}

/** The contract fields of a query (everything but DataQuery's own keys). */
export const CONTRACT_KEYS = [
  'refId',
  'provider',
  'format',
  'events',
  'objectTypes',
  'users',
  'search',
  'groupBy',
  'limit',
  'options',
] as const;

/** Keys that older saved queries used; normalisation folds them into the contract fields. */
export const LEGACY_KEYS = ['event', 'objectType', 'user', 'queryType'] as const;

export const DEFAULT_QUERY: Omit<AuditQuery, 'refId'> = {
  provider: '',
  format: 'table',
  events: [],
  objectTypes: [],
  users: [],
  search: '',
  groupBy: 'none',
  limit: DEFAULT_LIMIT,
  options: {},
};

// ---------------------------------------------------------------------------
// Settings model (jsonData / secureJsonData). Users provision it in YAML.

export type DominoAuthType = 'bearer' | 'apiKey';

export interface ProviderSettings {
  enabled?: boolean;
  /** Replaces the provider's default host (self-hosted, proxies, the simulator). */
  url?: string;
  /** Domo instance name: https://{instance}.domo.com. */
  instance?: string;
  /** Domo platform OAuth client id. */
  clientId?: string;
  /** Domino credential kind; "bearer" when empty. */
  authType?: DominoAuthType;
  /** Default ThousandEyes account group (aid). */
  accountGroupId?: string;
  /**
   * Requests per minute the plugin stays under: unset (or 0) = the vendor's
   * documented rate, if it documents one; negative = no pacing.
   */
  requestsPerMinute?: number;
}

export type ProvidersSettings = Partial<Record<ProviderId, ProviderSettings>>;

export interface AuditDataSourceOptions extends DataSourceJsonData {
  providers?: ProvidersSettings;
  /** Cap on events per query (default 100000). */
  maxEvents?: number;
  /** Concurrent requests per provider (default 4). */
  concurrency?: number;
  /** Window cache time to live in seconds (default 600; negative disables the cache). */
  cacheTTLSeconds?: number;
  /** Window cache size in MB (default 1024). */
  cacheMaxMB?: number;
  /**
   * Percentage of a vendor's announced request budget left to the
   * organisation's other API users (default 10; 0 to 90).
   */
  rateLimitReserve?: number;
  /**
   * Redis shared by every Grafana replica (redis://host:6379/0): one request
   * budget per vendor organisation and one window cache. Empty: off. Its
   * password is secureJsonData.redisPassword, never part of the URL.
   */
  redisUrl?: string;
  // Grafana's standard HTTP client settings, read by the backend through the
  // plugin SDK's HTTPClientOptions; one client serves every provider.
  /** HTTP request timeout in seconds (the SDK's default when unset). */
  timeout?: number;
  /** Trust the CA certificate in secureJsonData.tlsCACert (self-hosted hosts). */
  tlsAuthWithCACert?: boolean;
  /** TLS client authentication with secureJsonData.tlsClientCert / tlsClientKey. */
  tlsAuth?: boolean;
  /** The host name the server's certificate is checked against (with a CA certificate or client authentication). */
  serverName?: string;
  /** Do not verify the server's certificate (testing only). */
  tlsSkipVerify?: boolean;
}

/** The providers' credentials in secureJsonData. */
export interface ProviderSecrets {
  domoToken?: string;
  domoPlatformClientSecret?: string;
  dominoToken?: string;
  datafoldApiKey?: string;
  thousandeyesToken?: string;
}

export interface AuditSecureJsonData extends ProviderSecrets {
  /** PEM CA certificate (Grafana's standard TLS key). */
  tlsCACert?: string;
  /** PEM client certificate and key for TLS client authentication. */
  tlsClientCert?: string;
  tlsClientKey?: string;
  /** The password of jsonData.redisUrl's Redis. */
  redisPassword?: string;
}

/** The secureJsonData key of a provider's credential. */
export type SecretKey = keyof ProviderSecrets;

export const SECRET_KEYS: Record<ProviderId, SecretKey> = {
  domo: 'domoToken',
  'domo-platform': 'domoPlatformClientSecret',
  domino: 'dominoToken',
  datafold: 'datafoldApiKey',
  thousandeyes: 'thousandeyesToken',
};

export const SETTINGS_DEFAULTS = {
  maxEvents: 100000,
  concurrency: 4,
  cacheTTLSeconds: 600,
  cacheMaxMB: 1024,
  rateLimitReserve: 10,
} as const;

/** The largest rateLimitReserve the backend accepts (percent; the smallest is 0). */
export const MAX_RATE_LIMIT_RESERVE = 90;

/** Enabled providers of a data source, in display order (Go: Settings.Enabled). */
export function enabledProviders(jsonData?: AuditDataSourceOptions): ProviderId[] {
  const p = jsonData?.providers ?? {};
  return PROVIDER_IDS.filter((id) => p[id]?.enabled === true);
}

// ---------------------------------------------------------------------------
// Normalisation (Go: models.ParseQuery)

/** Resource look-up answer: GET providers / events / users / objectTypes. */
export interface LookupOption {
  value: string;
  label: string;
}

export type LookupKind = 'events' | 'users' | 'objectTypes';

export interface ParsedQuery {
  /** The normalised query. When `error` is a decode error, bad fields hold their defaults. */
  query: AuditQuery;
  /** The error Go's ParseQuery returns for the same input, naming the field first. */
  error?: string;
  /** True when `error` comes from decoding (wrong JSON types), not from validation. */
  decodeError?: boolean;
}

// Go's strings.TrimSpace trims unicode.IsSpace: JS's \s without U+FEFF, plus U+0085.
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/** strings.TrimSpace. */
export function goTrim(s: string): string {
  return s.replace(GO_TRIM, '');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function short(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  // Go cuts at 40 bytes; characters are close enough for a message.
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

/** strconv.FormatFloat(x, 'f', -1, 64): the shortest exact digits, never an exponent. */
export function formatGoFloat(x: number): string {
  if (Object.is(x, -0)) {
    return '-0';
  }
  const s = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) {
    return s;
  }
  const [, sign, lead, frac = '', expStr] = m;
  const digits = lead + frac;
  const exp = parseInt(expStr, 10);
  const point = 1 + exp; // position of the decimal point within digits
  if (point <= 0) {
    return `${sign}0.${'0'.repeat(-point)}${digits}`;
  }
  if (point >= digits.length) {
    return sign + digits + '0'.repeat(point - digits.length);
  }
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function appendUnique(list: string[], ...vals: string[]): string[] {
  for (let v of vals) {
    v = goTrim(v);
    if (v !== '' && !list.includes(v)) {
      list.push(v);
    }
  }
  return list;
}

type Decoded<T> = { value: T; error?: string };

function decodeString(v: unknown, field: string): Decoded<string> {
  if (v === undefined || v === null) {
    return { value: '' };
  }
  if (typeof v !== 'string') {
    return { value: '', error: `${field}: expected a string, got ${short(v)}` };
  }
  return { value: v };
}

function decodeList(v: unknown, field: string): Decoded<string[]> {
  if (v === undefined || v === null) {
    return { value: [] };
  }
  if (typeof v === 'string') {
    return { value: appendUnique([], v) };
  }
  const error = `${field}: expected a list of strings, got ${short(v)}`;
  if (!Array.isArray(v)) {
    return { value: [], error };
  }
  const out: string[] = [];
  let bad = false;
  for (const it of v) {
    if (typeof it === 'string') {
      appendUnique(out, it);
    } else if (typeof it === 'number' && Number.isFinite(it)) {
      appendUnique(out, formatGoFloat(it));
    } else if (it !== null && it !== undefined) {
      bad = true;
    }
  }
  // Go returns no list at all on error; the lenient result keeps the usable items.
  return bad ? { value: out, error } : { value: out };
}

const INT64_LIMIT = 2 ** 63;

function decodeInt(v: unknown, field: string): Decoded<number> {
  if (v === undefined || v === null) {
    return { value: 0 };
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v >= INT64_LIMIT || v < -INT64_LIMIT) {
      return { value: 0, error: `${field}: expected a whole number, got ${short(v)}` };
    }
    return { value: v };
  }
  if (typeof v === 'string') {
    const s = goTrim(v);
    if (s === '') {
      return { value: 0 };
    }
    const n = Number(s);
    if (!/^[+-]?\d+$/.test(s) || n >= INT64_LIMIT || n < -INT64_LIMIT) {
      return { value: 0, error: `${field}: expected a number, got ${short(v)}` };
    }
    return { value: n };
  }
  return { value: 0, error: `${field}: expected a number, got ${short(v)}` };
}

const OPTION_FIELDS: Array<{ name: keyof AuditQueryOptions; type: 'string' | 'boolean' }> = [
  { name: 'accountGroupId', type: 'string' },
  { name: 'allAccountGroups', type: 'boolean' },
  { name: 'project', type: 'string' },
];

/** json.Unmarshal into models.QueryOptions: exact or case-insensitive key match, wrong types are errors. */
function decodeOptions(v: unknown): Decoded<AuditQueryOptions> {
  const out: AuditQueryOptions = {};
  if (v === undefined || v === null) {
    return { value: out };
  }
  if (!isPlainObject(v)) {
    return { value: out, error: `options: cannot read ${short(v)} as an object` };
  }
  let error: string | undefined;
  for (const [key, val] of Object.entries(v)) {
    const f =
      OPTION_FIELDS.find((o) => o.name === key) ??
      OPTION_FIELDS.find((o) => o.name.toLowerCase() === key.toLowerCase());
    if (!f || val === null) {
      continue;
    }
    if (typeof val !== f.type) {
      error = error ?? `options: ${f.name} must be a ${f.type}, got ${short(val)}`;
      continue;
    }
    (out as Record<string, unknown>)[f.name] = val;
  }
  return { value: out, error };
}

function formatAlias(f: string): string {
  switch (goTrim(f).toLowerCase()) {
    case 'timeseries':
    case 'time_series':
    case 'time series':
    case 'timeserie':
    case 'graph':
      return 'timeseries';
    case 'logs':
    case 'log':
      return 'logs';
    case 'table':
      return 'table';
  }
  return f;
}

/**
 * Decodes a saved query of any age exactly like Go's models.ParseQuery:
 * defaults, legacy keys, format aliases, trimming, de-duplication, then
 * validation. Never throws; see ParsedQuery.
 */
export function parseQuery(raw: unknown): ParsedQuery {
  const errors: string[] = [];
  let m: Record<string, unknown> = {};
  if (isPlainObject(raw)) {
    m = raw;
  } else if (raw !== null && raw !== undefined) {
    errors.push(`the query is not valid JSON: expected an object, got ${short(raw)}`);
  }
  const take = <T>(d: Decoded<T>): T => {
    if (d.error) {
      errors.push(d.error);
    }
    return d.value;
  };

  const refId = take(decodeString(m.refId, 'refId'));
  const provider = goTrim(take(decodeString(m.provider, 'provider')));
  let format = take(decodeString(m.format, 'format'));
  const search = goTrim(take(decodeString(m.search, 'search')));
  let groupBy = take(decodeString(m.groupBy, 'groupBy'));
  const legacyType = take(decodeString(m.queryType, 'queryType'));

  const list = (key: string, legacy: string): string[] => {
    const a = take(decodeList(m[key], key));
    const b = take(decodeList(m[legacy], legacy));
    return appendUnique([...a], ...b);
  };
  const events = list('events', 'event');
  const objectTypes = list('objectTypes', 'objectType');
  const users = list('users', 'user');
  let limit = take(decodeInt(m.limit, 'limit'));
  const options = take(decodeOptions(m.options));

  // Migrations: the pre-"format" queryType and format aliases.
  if (format === '') {
    format = legacyType;
  }
  format = formatAlias(format);
  for (const k of ['accountGroupId', 'project'] as const) {
    const s = options[k];
    if (s !== undefined) {
      options[k] = goTrim(s);
    }
  }
  // Go's omitempty: empty options are left out.
  if (!options.accountGroupId) {
    delete options.accountGroupId;
  }
  if (!options.project) {
    delete options.project;
  }
  if (!options.allAccountGroups) {
    delete options.allAccountGroups;
  }
  // Defaults.
  if (format === '') {
    format = 'table';
  }
  if (groupBy === '') {
    groupBy = 'none';
  }
  if (limit === 0) {
    limit = DEFAULT_LIMIT;
  }

  const query = {
    refId,
    provider,
    format: format as QueryFormat,
    events,
    objectTypes,
    users,
    search,
    groupBy: groupBy as GroupBy,
    limit,
    options,
  };
  if (errors.length > 0) {
    return { query, error: errors[0], decodeError: true };
  }
  const error = checkQuery(query);
  return error ? { query, error } : { query };
}

/** Go: (*Query).Validate. */
function checkQuery(q: AuditQuery): string | undefined {
  if (q.provider !== '' && q.provider !== PROVIDER_ALL && !isProviderId(q.provider)) {
    return `provider: unknown provider "${q.provider}" (use one of ${PROVIDER_IDS.join(', ')} or "${PROVIDER_ALL}")`;
  }
  if (!(FORMATS as readonly string[]).includes(q.format)) {
    return `format: unknown format "${q.format}" (use one of ${FORMATS.join(', ')})`;
  }
  if (!(GROUP_BYS as readonly string[]).includes(q.groupBy)) {
    return `groupBy: unknown dimension "${q.groupBy}" (use one of ${GROUP_BYS.join(', ')})`;
  }
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) {
    return `limit: ${q.limit} is out of range (top-N series must be between 1 and ${MAX_LIMIT})`;
  }
  return undefined;
}

/**
 * The normalised query (contract fields only) for a saved query of any age.
 * Lenient: a field Go would reject for its JSON type gets its default here, so
 * editors keep working; use validateQuery to learn about it.
 */
export function normalizeQuery(raw: unknown): AuditQuery {
  return parseQuery(raw).query;
}

/**
 * The error Go would return for this query (raw or normalised), starting with
 * the field name ("provider: ...", "limit: ..."), or undefined when it is valid.
 */
export function validateQuery(q: unknown): string | undefined {
  return parseQuery(q).error;
}

/**
 * A stored query brought up to date: other DataQuery keys (datasource, hide,
 * key, ...) are kept, legacy keys are dropped, contract fields normalised.
 */
export function migrateQuery<T extends Partial<AuditQuery>>(raw: T): T & AuditQuery {
  const rest: Record<string, unknown> = { ...raw };
  for (const k of LEGACY_KEYS) {
    delete rest[k];
  }
  return { ...(rest as T), ...normalizeQuery(raw) };
}
