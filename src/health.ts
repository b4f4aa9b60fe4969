/**
 * The health check's per-provider result in the form Grafana's data source
 * page shows: the backend's CheckHealth (pkg/plugin/health.go) answers a
 * one-line summary as `message` and JSON `details`; Grafana's "Save & test"
 * panel renders `details.message` and, in an expandable block,
 * `details.verboseMessage` (one line per provider).
 */

/** One provider's line of the health result (Go: providerHealth). */
export interface ProviderHealth {
  id: string;
  label: string;
  ok: boolean;
  message: string;
  /** The setting to fix: a jsonData.providers.<id> key or the secret's secureJsonData key. */
  setting?: string;
}

/** The `details` of the backend's health result. */
export interface AuditHealthDetails {
  /** The first thing to fix, one sentence. */
  message?: string;
  /** One line per provider, joined with "\n". */
  verboseMessage?: string;
  providers?: ProviderHealth[];
}

/** What Grafana's data source page reads from a test result's details. */
export interface ShownHealthDetails {
  message?: string;
  verboseMessage?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** The providers of the details, skipping malformed entries. */
export function healthProviders(details: unknown): ProviderHealth[] {
  const list = isRecord(details) && Array.isArray(details.providers) ? details.providers : [];
  return list.filter(
    (p): p is ProviderHealth =>
      isRecord(p) && typeof p.label === 'string' && typeof p.ok === 'boolean' && typeof p.message === 'string'
  );
}

/** A provider's line, as the backend writes it: "Domo: OK — connected to …". */
export function providerLine(p: ProviderHealth): string {
  return `${p.label}: ${p.ok ? 'OK' : 'FAILED'} — ${p.message}`;
}

/**
 * The details to show: the backend's message and per-provider lines, the
 * lines built from `providers` when a backend sends only those. Undefined
 * when there is nothing to show.
 */
export function shownHealthDetails(details: unknown): ShownHealthDetails | undefined {
  const providers = healthProviders(details);
  const d = isRecord(details) ? details : {};
  const failed = providers.find((p) => !p.ok);
  const message = text(d.message) ?? (failed ? `${failed.label}: ${failed.message}` : undefined);
  const verboseMessage =
    text(d.verboseMessage) ?? (providers.length > 0 ? providers.map(providerLine).join('\n') : undefined);
  if (message === undefined && verboseMessage === undefined) {
    return undefined;
  }
  const out: ShownHealthDetails = {};
  if (message !== undefined) {
    out.message = message;
  }
  if (verboseMessage !== undefined) {
    out.verboseMessage = verboseMessage;
  }
  return out;
}
