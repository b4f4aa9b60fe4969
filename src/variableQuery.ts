/**
 * The query of a dashboard variable on this data source: which list to read
 * (users, events, object types or providers), for which provider, over how
 * many days. It is stored in the dashboard JSON, so it has defaults and a
 * migration from older shapes (a plain string such as "users").
 *
 * The values come from the backend look-ups (pkg/plugin/resources.go):
 * GET providers / events / users / objectTypes?provider=X&days=N.
 */
import { DataQuery } from '@grafana/schema';

import { providerLabel } from './providers';
import { goTrim, PROVIDER_ALL } from './types';

export const VARIABLE_KINDS = ['users', 'events', 'objectTypes', 'providers'] as const;

/** Which list a variable reads. */
export type VariableKind = (typeof VARIABLE_KINDS)[number];

export const VARIABLE_KIND_LABELS: Record<VariableKind, string> = {
  users: 'Users',
  events: 'Events',
  objectTypes: 'Object types',
  providers: 'Providers',
};

/** The refId Grafana's variable editor has no use for; kept for DataQuery. */
export const VARIABLE_REF_ID = 'AuditVariableQuery';

/** Look-ups read the last `days` days: 1 (the backend's default) to 30. */
export const MIN_LOOKUP_DAYS = 1;
export const MAX_LOOKUP_DAYS = 30;

export interface AuditVariableQuery extends DataQuery {
  kind: VariableKind;
  /** A provider id, "all", or a template variable ($provider). Not used by kind "providers". */
  provider: string;
  /** Values seen in the last N days (1 to 30); unset means the backend's default (1). */
  days?: number;
}

export const DEFAULT_VARIABLE_QUERY: AuditVariableQuery = {
  refId: VARIABLE_REF_ID,
  kind: 'users',
  provider: PROVIDER_ALL,
};

const KIND_ALIASES: Record<string, VariableKind> = {
  users: 'users',
  user: 'users',
  usernames: 'users',
  username: 'users',
  events: 'events',
  event: 'events',
  actions: 'events',
  action: 'events',
  eventnames: 'events',
  objecttypes: 'objectTypes',
  objecttype: 'objectTypes',
  types: 'objectTypes',
  type: 'objectTypes',
  providers: 'providers',
  provider: 'providers',
};

/** The kind a name stands for ("users", "User", "object types", "objectType", ...). */
export function variableKind(name: unknown): VariableKind | undefined {
  if (typeof name !== 'string') {
    return undefined;
  }
  return KIND_ALIASES[name.toLowerCase().replace(/[\s_-]+/g, '')];
}

/** A whole number of days from 1 to 30, or undefined. Numeric strings are read too. */
export function lookupDays(v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) {
    n = Number(v);
  } else {
    return undefined;
  }
  return Number.isInteger(n) && n >= MIN_LOOKUP_DAYS && n <= MAX_LOOKUP_DAYS ? n : undefined;
}

/**
 * Reads the text form of a variable query: "users", "users(thousandeyes)",
 * "events:domo", "object types datafold", optionally with a day count last:
 * "users(thousandeyes, 7)". Undefined when the kind is not recognised.
 */
export function parseVariableText(text: string): Omit<AuditVariableQuery, 'refId'> | undefined {
  const s = goTrim(text);
  const whole = variableKind(s);
  if (whole) {
    return { kind: whole, provider: PROVIDER_ALL };
  }
  let kindText: string;
  let args: string[];
  const call = /^([^(]+)\(([^)]*)\)$/.exec(s);
  if (call) {
    kindText = call[1];
    args = call[2].split(',');
  } else {
    const colon = s.indexOf(':');
    const space = s.search(/\s\S*$/);
    const cut = colon >= 0 ? colon : space;
    if (cut < 0) {
      return undefined;
    }
    kindText = s.slice(0, cut);
    args = s.slice(cut + 1).split(',');
  }
  const kind = variableKind(goTrim(kindText));
  if (!kind) {
    return undefined;
  }
  const provider = goTrim(args[0] ?? '') || PROVIDER_ALL;
  const days = lookupDays(args[1]);
  return days === undefined ? { kind, provider } : { kind, provider, days };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A stored variable query of any age as the current model: a string
 * ("users", "events(domo)"), Grafana's { query: "..." } shape, or the object
 * model with missing or odd fields. Unknown input gives the defaults.
 */
export function migrateVariableQuery(raw: unknown): AuditVariableQuery {
  if (typeof raw === 'string') {
    return { refId: VARIABLE_REF_ID, ...(parseVariableText(raw) ?? DEFAULT_VARIABLE_QUERY) };
  }
  if (!isRecord(raw)) {
    return { ...DEFAULT_VARIABLE_QUERY };
  }
  const refId = typeof raw.refId === 'string' && raw.refId !== '' ? raw.refId : VARIABLE_REF_ID;
  let kind = variableKind(raw.kind);
  let provider = typeof raw.provider === 'string' ? goTrim(raw.provider) : '';
  let days = lookupDays(raw.days);
  if (!kind && typeof raw.query === 'string') {
    const fromText = parseVariableText(raw.query);
    if (fromText) {
      kind = fromText.kind;
      provider = provider || fromText.provider;
      days = days ?? fromText.days;
    }
  }
  const out: AuditVariableQuery = {
    refId,
    kind: kind ?? DEFAULT_VARIABLE_QUERY.kind,
    provider: provider || PROVIDER_ALL,
  };
  if (days !== undefined) {
    out.days = days;
  }
  return out;
}

/**
 * One line describing a variable query with the provider's display name, e.g.
 * "Users of Cisco ThousandEyes seen in the last 7 days"; a template variable
 * ($provider) or an unknown id is shown as written.
 */
export function variableQueryText(q: AuditVariableQuery): string {
  const what = VARIABLE_KIND_LABELS[q.kind];
  if (q.kind === 'providers') {
    return 'Enabled providers';
  }
  const of = q.provider === PROVIDER_ALL || q.provider === '' ? 'all providers' : providerLabel(q.provider);
  const days = q.days ?? MIN_LOOKUP_DAYS;
  return `${what} of ${of} seen in the last ${days === 1 ? 'day' : `${days} days`}`;
}
