import {
  CoreApp,
  DataSourceInstanceSettings,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
  TestDataSourceResponse,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv, HealthCheckError, HealthStatus } from '@grafana/runtime';

import { isAlertingApp } from './alerting';
import { auditAnnotationSupport } from './annotations';
import { shownHealthDetails } from './health';
import { LookupWindow } from './lookupWindow';
import { providerLabel } from './providers';
import {
  AuditDataSourceOptions,
  AuditQuery,
  AuditQueryOptions,
  DEFAULT_QUERY,
  enabledProviders,
  FORMAT_LABELS,
  goTrim,
  GROUP_BY_LABELS,
  LEGACY_KEYS,
  LookupKind,
  LookupOption,
  parseQuery,
  PROVIDER_ALL,
  ProviderId,
  QueryFormat,
} from './types';
import { migrateVariableQuery } from './variableQuery';
import { AuditVariableSupport } from './variables';

/** The value Grafana gives a variable whose "All" option is selected. */
export const ALL_VARIABLE_VALUE = '$__all';

/** Grafana's variable syntaxes: $var, [[var]] / [[var:fmt]], ${var}, ${var.field}, ${var:fmt}. */
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** A list entry whose variables expand to more values than this is cut short. */
const MAX_EXPANDED = 10000;

/** Look-ups are kept this long per provider, kind and span (they cost the backend a fetch). */
export const LOOKUP_TTL_MS = 60_000;

/** What a look-up reads: the last N days, or a time range (lookupWindow.ts). */
export type LookupSpan = { days: number } | LookupWindow;

export class DataSource extends DataSourceWithBackend<AuditQuery, AuditDataSourceOptions> {
  /** Providers enabled in this data source's settings, in display order. */
  readonly enabledProviders: ProviderId[];
  private lookups = new Map<string, { at: number; result: Promise<LookupOption[]> }>();

  constructor(instanceSettings: DataSourceInstanceSettings<AuditDataSourceOptions>) {
    super(instanceSettings);
    this.enabledProviders = enabledProviders(instanceSettings.jsonData);
    // Annotations: the query editor in table format; each event becomes one
    // annotation (annotations.ts).
    this.annotations = auditAnnotationSupport;
    // Dashboard variables list users, events, object types or providers.
    this.variables = new AuditVariableSupport(this);
  }

  /**
   * Defaults for a new query. provider "" means the only enabled provider, or
   * all of them. Alert rules need counts (time series); Explore shows logs.
   */
  getDefaultQuery(app: CoreApp): Partial<AuditQuery> {
    let format: QueryFormat = DEFAULT_QUERY.format;
    if (isAlertingApp(app)) {
      format = 'timeseries';
    } else if (app === CoreApp.Explore) {
      format = 'logs';
    }
    return { ...DEFAULT_QUERY, events: [], objectTypes: [], users: [], options: {}, format };
  }

  /** Hidden queries are not run. */
  filterQuery(query: AuditQuery): boolean {
    return !query.hide;
  }

  /**
   * Normalises a saved query of any age and interpolates template variables.
   * Multi-value variables in a list field give one entry per value; a
   * variable set to "All" removes that filter (All matches every value,
   * including ones the variable's options have not seen).
   *
   * A query Go cannot decode (a wrong JSON type) is sent unchanged, so the
   * backend reports the same error an alert rule on it would get.
   */
  applyTemplateVariables(query: AuditQuery, scopedVars: ScopedVars): AuditQuery {
    const tpl = getTemplateSrv();
    let raw: unknown = query;
    const rawLimit: unknown = (query as unknown as Record<string, unknown>).limit;
    if (typeof rawLimit === 'string' && rawLimit.includes('$')) {
      raw = { ...query, limit: tpl.replace(rawLimit, scopedVars) };
    }
    const parsed = parseQuery(raw);
    if (parsed.decodeError) {
      return query;
    }
    const q = parsed.query;
    const rest: Record<string, unknown> = { ...query };
    for (const k of LEGACY_KEYS) {
      delete rest[k];
    }

    const options: AuditQueryOptions = { ...q.options };
    for (const k of ['accountGroupId', 'project'] as const) {
      const v = options[k];
      if (v) {
        const s = goTrim(interpolateString(v, scopedVars));
        if (s) {
          options[k] = s;
        } else {
          delete options[k];
        }
      }
    }

    return {
      ...(rest as unknown as AuditQuery),
      ...q,
      provider: interpolateProvider(q.provider, scopedVars),
      search: goTrim(interpolateString(q.search, scopedVars, ' ')),
      events: interpolateList(q.events, scopedVars),
      objectTypes: interpolateList(q.objectTypes, scopedVars),
      users: interpolateList(q.users, scopedVars),
      options,
    };
  }

  /** One line describing the query (query history, collapsed rows). */
  getQueryDisplayText(query: AuditQuery): string {
    const q = parseQuery(query).query;
    const parts: string[] = [q.provider ? providerLabel(q.provider) : 'Audit log'];
    let shape = FORMAT_LABELS[q.format] ?? q.format;
    if (q.format === 'timeseries' && q.groupBy !== 'none') {
      shape += ` by ${(GROUP_BY_LABELS[q.groupBy] ?? q.groupBy).toLowerCase()} (top ${q.limit})`;
    }
    parts.push(shape);
    if (q.events.length) {
      parts.push(`events: ${q.events.join(', ')}`);
    }
    if (q.objectTypes.length) {
      parts.push(`object types: ${q.objectTypes.join(', ')}`);
    }
    if (q.users.length) {
      parts.push(`users: ${q.users.join(', ')}`);
    }
    if (q.search) {
      parts.push(`search: "${q.search}"`);
    }
    if (q.options.project) {
      parts.push(`project: ${q.options.project}`);
    }
    if (q.options.allAccountGroups) {
      parts.push('all account groups');
    } else if (q.options.accountGroupId) {
      parts.push(`account group: ${q.options.accountGroupId}`);
    }
    return parts.join(' · ');
  }

  /** GET providers: the enabled providers as options. */
  async getProviders(): Promise<LookupOption[]> {
    return toOptions(await this.getResource('providers'));
  }

  /**
   * GET events / users / objectTypes for one provider (or "all"): values seen
   * in the span (the backend's default, the last day, when unset), most
   * frequent first. Answers are kept for a minute per kind, provider and
   * span; failures are not kept.
   */
  getLookup(kind: LookupKind, provider: string, span?: LookupSpan): Promise<LookupOption[]> {
    let p = goTrim(provider ? getTemplateSrv().replace(provider) : '');
    if (p === '' || p.includes('$') || p.includes('{')) {
      p = PROVIDER_ALL;
    }
    const params: Record<string, string | number> = { provider: p };
    if (span && 'days' in span) {
      params.days = span.days;
    } else if (span) {
      params.from = span.from;
      params.to = span.to;
    }
    const key = JSON.stringify([kind, params]);
    const hit = this.lookups.get(key);
    if (hit && Date.now() - hit.at < LOOKUP_TTL_MS) {
      return hit.result;
    }
    const result = this.getResource(kind, params).then(toOptions);
    this.lookups.set(key, { at: Date.now(), result });
    result.catch(() => this.lookups.delete(key));
    return result;
  }

  /**
   * The values of a dashboard variable (AuditVariableQuery, or an older
   * string such as "users"): text = the look-up's label, value = its value.
   * The provider may be a template variable; "All" means every provider.
   */
  async metricFindQuery(query: unknown, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    const q = migrateVariableQuery(query);
    let found: LookupOption[];
    if (q.kind === 'providers') {
      found = await this.getProviders();
    } else {
      const provider = interpolateProvider(q.provider, options?.scopedVars ?? {});
      found = await this.getLookup(q.kind, provider, q.days === undefined ? undefined : { days: q.days });
    }
    return found.map((o) => ({ text: o.label, value: o.value }));
  }

  /**
   * Save & test. Grafana's own testDatasource drops the health result's
   * details on success; these keep them, so the data source page lists
   * every provider's line then too. A failure is rejected as Grafana's base
   * class does (a HealthCheckError with the details), where the page finds
   * them.
   */
  async testDatasource(): Promise<TestDataSourceResponse> {
    const res: unknown = await this.callHealthCheck();
    const r = (res && typeof res === 'object' ? res : {}) as { status?: unknown; message?: unknown; details?: unknown };
    const shown = shownHealthDetails(r.details);
    const message = typeof r.message === 'string' && r.message ? r.message : undefined;
    if (r.status === HealthStatus.OK) {
      return { status: 'success', message: message ?? 'Data source is working', ...(shown ? { details: shown } : {}) };
    }
    const failed = message ?? 'The health check failed: the plugin did not answer.';
    const details = { ...(r.details && typeof r.details === 'object' ? r.details : {}), ...shown };
    return Promise.reject({ status: 'error', message: failed, error: new HealthCheckError(failed, details) });
  }
}

function toOptions(data: unknown): LookupOption[] {
  if (!Array.isArray(data)) {
    return [];
  }
  const out: LookupOption[] = [];
  for (const it of data) {
    if (it && typeof it === 'object' && typeof (it as LookupOption).value === 'string') {
      const { value, label } = it as LookupOption;
      out.push({ value, label: typeof label === 'string' && label ? label : value });
    }
  }
  return out;
}

/** A readable message from a failed getResource call. */
export function errorMessage(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { data?: { error?: unknown; message?: unknown }; message?: unknown; statusText?: unknown };
    for (const m of [e.data?.error, e.data?.message, e.message, e.statusText]) {
      if (typeof m === 'string' && m) {
        return m;
      }
    }
  }
  return typeof err === 'string' && err ? err : 'request failed';
}

// ---------------------------------------------------------------------------
// Template variables

/** Names of the variables a text refers to. */
export function variableNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(VARIABLE_RE)) {
    const name = m[1] ?? m[2] ?? m[4];
    if (name && !names.includes(name)) {
      names.push(name);
    }
  }
  return names;
}

function isAllValue(v: unknown): boolean {
  return v === ALL_VARIABLE_VALUE || (Array.isArray(v) && v.includes(ALL_VARIABLE_VALUE));
}

/** Whether the text refers to a dashboard variable whose "All" option is selected. */
export function refersToAll(text: string, scopedVars?: ScopedVars): boolean {
  const names = variableNames(text);
  if (names.length === 0) {
    return false;
  }
  const variables = getTemplateSrv().getVariables();
  return names.some((name) => {
    const scoped = scopedVars?.[name];
    if (scoped) {
      return isAllValue(scoped.value);
    }
    const v = variables.find((x) => x.name === name) as { current?: { value?: unknown } } | undefined;
    return isAllValue(v?.current?.value);
  });
}

/** Interpolates a single-valued field; multiple values are joined with `sep`. */
function interpolateString(text: string, scopedVars: ScopedVars, sep = ','): string {
  if (!text.includes('$') && !text.includes('[[')) {
    return text;
  }
  return getTemplateSrv().replace(text, scopedVars, (value: unknown) =>
    Array.isArray(value) ? value.map(String).join(sep) : String(value ?? '')
  );
}

/** The provider: a variable set to "All" means every enabled provider. */
function interpolateProvider(provider: string, scopedVars: ScopedVars): string {
  if (refersToAll(provider, scopedVars)) {
    return PROVIDER_ALL;
  }
  return goTrim(interpolateString(provider, scopedVars));
}

/**
 * Interpolates a list field. Every multi-value variable in an entry expands
 * it to one entry per value (entries with several such variables expand to
 * every combination). A variable set to "All" empties the list: no filter.
 * The result is trimmed and de-duplicated like normalizeQuery does.
 */
export function interpolateList(values: string[], scopedVars: ScopedVars): string[] {
  const tpl = getTemplateSrv();
  const out: string[] = [];
  const add = (v: string) => {
    const s = goTrim(v);
    if (s !== '' && !out.includes(s)) {
      out.push(s);
    }
  };
  for (const entry of values) {
    if (!entry.includes('$') && !entry.includes('[[')) {
      add(entry);
      continue;
    }
    if (refersToAll(entry, scopedVars)) {
      return [];
    }
    const lists: string[][] = [];
    const text = tpl.replace(entry, scopedVars, (value: unknown) => {
      if (Array.isArray(value)) {
        lists.push(value.map((v) => String(v ?? '')));
        return `\u0000${lists.length - 1}\u0000`;
      }
      return String(value ?? '');
    });
    for (const v of expand(text, lists)) {
      add(v);
    }
  }
  return out;
}

/** Replaces every \0N\0 placeholder with each value of lists[N], all combinations. */
function expand(text: string, lists: string[][]): string[] {
  const m = /\u0000(\d+)\u0000/.exec(text);
  if (!m) {
    return [text];
  }
  const head = text.slice(0, m.index);
  const tails = expand(text.slice(m.index + m[0].length), lists);
  const out: string[] = [];
  for (const v of lists[Number(m[1])] ?? []) {
    for (const t of tails) {
      if (out.length >= MAX_EXPANDED) {
        return out;
      }
      out.push(head + v + t);
    }
  }
  return out;
}
