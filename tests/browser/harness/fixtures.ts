/**
 * Canned answers of the backend's look-up routes (pkg/plugin/resources.go):
 * GET providers / events / users / objectTypes?provider=X[&days=N], each
 * answering [{"value","label"}]. Shared by the harness (which serves them)
 * and the spec (which asserts on them). No imports: the spec runs in Node.
 */

export interface CannedOption {
  value: string;
  label: string;
}

export type CannedKind = 'events' | 'users' | 'objectTypes';

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
