/**
 * The time span a look-up (GET events / users / objectTypes) reads: the
 * dashboard's time range as the backend takes it, from=..&to=.. in epoch
 * milliseconds (pkg/plugin/resources.go).
 */

/** The backend refuses a span longer than this (Go: maxLookupDays). */
export const MAX_LOOKUP_DAYS = 30;
export const MAX_LOOKUP_SPAN_MS = MAX_LOOKUP_DAYS * 24 * 60 * 60 * 1000;

const MINUTE_MS = 60_000;
/** The latest time the backend reads (the year 9999). */
const MAX_EPOCH_MS = 253402300799999;

export interface LookupWindow {
  /** Epoch milliseconds, whole minutes. */
  from: number;
  to: number;
}

/** Anything with epoch milliseconds: a DateTime, a Date or a number. */
type Instant = { valueOf(): number } | number;

/**
 * The look-up span for a time range: widened to whole minutes (so a
 * relative range such as "Last 6 hours" asks the backend at most once a
 * minute), and a span longer than 30 days cut to its newest 30 days, which
 * the backend accepts. Undefined without a usable range: the caller then
 * leaves from/to out and the backend reads its default (the last day).
 */
export function lookupWindow(range?: { from?: Instant; to?: Instant }): LookupWindow | undefined {
  const fromMs = Number(range?.from?.valueOf());
  const toMs = Number(range?.to?.valueOf());
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
    return undefined;
  }
  const to = Math.min(Math.ceil(toMs / MINUTE_MS) * MINUTE_MS, MAX_EPOCH_MS);
  const from = Math.max(Math.floor(fromMs / MINUTE_MS) * MINUTE_MS, to - MAX_LOOKUP_SPAN_MS, 0);
  return from < to ? { from, to } : undefined;
}
