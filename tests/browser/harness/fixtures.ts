/**
 * Canned answers of the backend's look-up routes (pkg/plugin/resources.go):
 * GET providers / events / users / objectTypes?provider=X[&days=N |
 * &from=..&to=..], each answering [{"value","label"}], and of the health
 * check. Shared by the harness (which serves them) and the spec (which
 * asserts on them). No imports: the spec runs in Node.
 */

export interface CannedOption {
  value: string;
  label: string;
}

export type CannedKind = 'events' | 'users' | 'objectTypes';

/**
 * The browser's clock for every page (Playwright's page.clock): a fixed
 * moment, so no test depends on today's date. The dashboard's "now" too.
 */
export const HARNESS_NOW = '2026-11-01T14:00:00Z';

/** The dashboard time range the query editor gets: the 6 hours before HARNESS_NOW. */
export const EDITOR_RANGE = {
  from: Date.parse(HARNESS_NOW) - 6 * 3600 * 1000,
  to: Date.parse(HARNESS_NOW),
  raw: { from: 'now-6h', to: 'now' },
};

/** The data source the query and variable editors run against. */
export const DATASOURCE_UID = 'audit-log-sim';
export const DATASOURCE_NAME = 'Audit Log (simulator)';

/** Providers enabled in the query / variable harness (display order). */
export const ENABLED_PROVIDERS = ['domo', 'domino', 'datafold', 'thousandeyes'] as const;

export const PROVIDER_LABELS: Record<string, string> = {
  domo: 'Domo',
  'domo-platform': 'Domo platform API',
  domino: 'Domino Data Lab',
  datafold: 'Datafold',
  thousandeyes: 'Cisco ThousandEyes',
};

const same = (...values: string[]): CannedOption[] => values.map((v) => ({ value: v, label: v }));

/** Look-ups per provider; "all" is their union (the backend merges them). */
export const LOOKUPS: Record<string, Record<CannedKind, CannedOption[]>> = {
  domo: {
    events: same('Viewed card', 'Exported', 'Updated role', 'Failed login', 'Shared page'),
    users: [
      { value: 'Ana Silva', label: 'Ana Silva (ana@example.com)' },
      { value: 'Bo Chen', label: 'Bo Chen (bo@example.com)' },
      { value: 'Carla Diaz', label: 'Carla Diaz (carla@example.com)' },
    ],
    objectTypes: same('CARD', 'DATA_SOURCE', 'PAGE', 'USER', 'GROUP'),
  },
  domino: {
    events: same('Create Project', 'Add Collaborator', 'Change User Role In Project', 'Start Workspace'),
    users: [
      { value: 'dev-ops', label: 'dev-ops (ops@example.com)' },
      { value: 'ana', label: 'ana (ana@example.com)' },
    ],
    objectTypes: same('Project', 'Workspace', 'DataSource'),
  },
  datafold: {
    events: same('login', 'login_failed', 'user_role_changed', 'api_key_created'),
    users: same('ana@example.com', 'bo@example.com'),
    objectTypes: same('user', 'api_key', 'datasource'),
  },
  thousandeyes: {
    events: same('Login failed.', 'Login successful.', 'Test updated.', 'Alert rule created.'),
    users: [
      { value: 'Dana Fox', label: 'Dana Fox (dana@example.com)' },
      { value: 'Eli Park', label: 'Eli Park (eli@example.com)' },
      { value: 'Finn Gray', label: 'Finn Gray (finn@example.com)' },
    ],
    objectTypes: same('Test', 'Alert rule', 'User', 'Agent'),
  },
};

/** What GET <kind>?provider=<p> answers; an unknown provider is an error, like the backend's 400. */
export function cannedLookup(kind: CannedKind, provider: string): CannedOption[] | undefined {
  if (provider === 'all') {
    const out: CannedOption[] = [];
    for (const id of ENABLED_PROVIDERS) {
      for (const o of LOOKUPS[id][kind]) {
        if (!out.some((x) => x.value === o.value)) {
          out.push(o);
        }
      }
    }
    return out;
  }
  return LOOKUPS[provider]?.[kind];
}

/**
 * Datafold's users look-up fails like a vendor outage (the backend's 502 with
 * {"error"}), so the editors' error state can be seen.
 */
export const FAILING_LOOKUP = { kind: 'users' as CannedKind, provider: 'datafold', status: 502 };
export const FAILING_LOOKUP_ERROR = 'datafold: GET /api/v1/audit_logs: 503 Service Unavailable';

/** Milliseconds every resource call takes, so loading states exist. */
export const LOOKUP_DELAY_MS = 600;

/** One provider's line of the health check (pkg/plugin/health.go). */
export interface CannedProviderHealth {
  id: string;
  label: string;
  ok: boolean;
  message: string;
  setting?: string;
}

/**
 * GET /api/datasources/uid/<uid>/health, as Grafana answers it for the
 * backend's CheckHealth (pkg/plugin/health.go healthResult): 200 with
 * status OK, or 400 with status ERROR.
 */
export const HEALTH: Record<
  'ok' | 'failing',
  { status: number; body: { status: string; message: string; details: unknown } }
> = {
  ok: {
    status: 200,
    body: {
      status: 'OK',
      message: '2 of 2 providers working',
      details: {
        message: 'Domo, Cisco ThousandEyes: connected and read the audit log.',
        verboseMessage: [
          'Domo: OK — connected to acme.domo.com and read the audit log',
          'Cisco ThousandEyes: OK — connected to api.thousandeyes.com and read the audit log',
        ].join('\n'),
        providers: [
          { id: 'domo', label: 'Domo', ok: true, message: 'connected to acme.domo.com and read the audit log' },
          {
            id: 'thousandeyes',
            label: 'Cisco ThousandEyes',
            ok: true,
            message: 'connected to api.thousandeyes.com and read the audit log',
          },
        ],
      },
    },
  },
  failing: {
    status: 400,
    body: {
      status: 'ERROR',
      message: '1 of 2 providers working; failed: Cisco ThousandEyes',
      details: {
        message: 'Cisco ThousandEyes: FAILED — api.thousandeyes.com answered 401 Unauthorized',
        verboseMessage: [
          'Domo: OK — connected to acme.domo.com and read the audit log',
          'Cisco ThousandEyes: FAILED — api.thousandeyes.com answered 401 Unauthorized',
        ].join('\n'),
        providers: [
          { id: 'domo', label: 'Domo', ok: true, message: 'connected to acme.domo.com and read the audit log' },
          {
            id: 'thousandeyes',
            label: 'Cisco ThousandEyes',
            ok: false,
            message: 'api.thousandeyes.com answered 401 Unauthorized',
            setting: 'thousandeyesToken',
          },
        ],
      },
    },
  },
};
