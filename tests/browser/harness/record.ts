/**
 * What the editors did, on `window.__harness` for the spec to read:
 * every onChange / onOptionsChange payload, onRunQuery calls and the
 * resource requests the data source made; and what the dashboard page drew.
 */

/** One panel of the dashboard page, once its frames are prepared. */
export interface DashboardPanelRecord {
  id: number;
  type: string;
  title: string;
  /** Frames after the panel's transformations. */
  frames: number;
  /** Rows of all frames. */
  rows: number;
  /** The backend's error for the panel's queries, if any. */
  error?: string;
}

export interface DashboardRecord {
  panels: DashboardPanelRecord[];
  /** Annotation events per annotation query. */
  annotations: Record<string, number>;
  /**
   * Where the query the backend ran (cmd/dashframes) differs from what the
   * plugin's frontend would send for the same saved target
   * (DataSource.applyTemplateVariables with the dashboard's variables).
   */
  queryMismatches: string[];
  /** How long fetching and preparing the frames took. */
  loadMs: number;
}

export interface HarnessRecord {
  /** onOptionsChange payloads of the config editor (DataSourceSettings). */
  config: unknown[];
  /** onChange payloads of the query editor (AuditQuery). */
  query: unknown[];
  /** onChange payloads of the variable editor (AuditVariableQuery). */
  variable: unknown[];
  /** onChange payloads of the annotation editor. */
  annotation: unknown[];
  /** Resource requests, "GET /api/datasources/uid/…/resources/events?provider=domo". */
  requests: string[];
  /** How often onRunQuery was called. */
  runs: number;
  /** Values of the variable preview, once loaded. */
  preview: Array<{ text: string; value: string }>;
  /** The dashboard page, once every panel's data is prepared. */
  dashboard?: DashboardRecord;
  /**
   * Set by a spec to hold back resource answers, so that an editor's
   * loading state can be seen however slow the machine is; answers go out
   * once it is false again.
   */
  holdLookups: boolean;
}

declare global {
  interface Window {
    __harness: HarnessRecord;
    __grafana_public_path__: string;
  }
}

export function initRecord() {
  window.__harness = {
    config: [],
    query: [],
    variable: [],
    annotation: [],
    requests: [],
    runs: 0,
    preview: [],
    holdLookups: false,
  };
}

type ListKey = 'config' | 'query' | 'variable' | 'annotation' | 'requests';

export function record(key: ListKey, value: unknown) {
  // A deep copy: later edits must not change what was recorded.
  (window.__harness[key] as unknown[]).push(JSON.parse(JSON.stringify(value)));
}
