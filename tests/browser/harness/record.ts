/**
 * What the editors did, on `window.__harness` for the spec to read:
 * every onChange / onOptionsChange payload, onRunQuery calls and the
 * resource requests the data source made.
 */

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
  };
}

type ListKey = 'config' | 'query' | 'variable' | 'annotation' | 'requests';

export function record(key: ListKey, value: unknown) {
  // A deep copy: later edits must not change what was recorded.
  (window.__harness[key] as unknown[]).push(JSON.parse(JSON.stringify(value)));
}
