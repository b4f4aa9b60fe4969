/**
 * Audit events as dashboard annotations.
 *
 * The annotation query is an ordinary AuditQuery in table format (the
 * backend's table frame: time, provider, user, email, ..., event, objectType,
 * ..., message, raw). Each row becomes one annotation:
 *
 *   time  = time
 *   title = event (or the action when there is no event name)
 *   text  = message, and who did it ("… — Ana Silva (ana@example.com)")
 *   tags  = user, object type, provider
 *
 * Grafana's field mappings (the annotation editor's "Mappings" section,
 * stored as `mappings` in the dashboard) apply as in Grafana's standard
 * processing: a mapping names another field of the frame (case-insensitive),
 * a constant text, or skips the property. The unmapped defaults are the
 * fields above.
 */
import {
  AnnotationEvent,
  AnnotationEventFieldMapping,
  AnnotationEventFieldSource,
  AnnotationEventMappings,
  AnnotationQuery,
  AnnotationSupport,
  DataFrame,
  Field,
  FieldType,
} from '@grafana/data';
import { Observable, of } from 'rxjs';

import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { AuditQuery, migrateQuery } from './types';

export const ANNOTATION_REF_ID = 'Anno';

export type AuditAnnotationQuery = AnnotationQuery<AuditQuery>;

/** The annotation's query: the stored target brought up to date, always in table format. */
export function annotationTarget(target: unknown): AuditQuery {
  const raw = target && typeof target === 'object' && !Array.isArray(target) ? (target as Partial<AuditQuery>) : {};
  const q = migrateQuery(raw);
  return { ...q, refId: q.refId || ANNOTATION_REF_ID, format: 'table' };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/**
 * Brings a stored annotation up to date: the target becomes a normalised
 * table query; a bare string `query` (the oldest annotation shape) is read as
 * search text. Mappings chosen in the editor are kept.
 *
 * An annotation that needs no change is returned as is (the same object):
 * Grafana's annotation editor saves any other result and calls this again.
 */
export function prepareAnnotation(json: unknown): AuditAnnotationQuery {
  const anno = (json && typeof json === 'object' ? json : {}) as AuditAnnotationQuery & { query?: unknown };
  const { query, ...rest } = anno;
  if (typeof query !== 'string' && anno.target && deepEqual(anno.target, annotationTarget(anno.target))) {
    return anno;
  }
  let target: unknown = rest.target;
  if (typeof query === 'string' && query.trim() !== '') {
    target = { ...(target && typeof target === 'object' ? target : {}), search: query };
  } else if (query !== undefined && typeof query !== 'string') {
    (rest as Record<string, unknown>).query = query;
  }
  return { ...rest, target: annotationTarget(target) };
}

// ---------------------------------------------------------------------------
// Frames -> annotation events

interface Mapper {
  key: keyof AnnotationEvent;
  /** The field read by default (before any time / string fallback). */
  defaultField: string;
  /** Used when the named field is missing. */
  fallback?: (fields: Field[]) => Field | undefined;
  /** Split strings on commas (tags). */
  split?: boolean;
}

/** The annotation properties a mapping may set, with their defaults. */
const MAPPERS: Mapper[] = [
  { key: 'time', defaultField: 'time', fallback: (fs) => fs.find((f) => f.type === FieldType.time) },
  { key: 'timeEnd', defaultField: 'timeEnd' },
  { key: 'title', defaultField: 'title' },
  { key: 'text', defaultField: 'text', fallback: (fs) => fs.find((f) => f.type === FieldType.string) },
  { key: 'tags', defaultField: 'tags', split: true },
  { key: 'id', defaultField: 'id' },
];

function stringAt(f: Field | undefined, i: number): string {
  const v: unknown = f?.values[i];
  return v === null || v === undefined ? '' : String(v).trim();
}

function fieldByName(frame: DataFrame, name: string): Field | undefined {
  const lower = name.toLowerCase();
  return frame.fields.find((f) => f.name.toLowerCase() === lower || f.config?.displayName?.toLowerCase() === lower);
}

/**
 * The audit table frame with the derived annotation fields `title`, `text`
 * and `tags` appended (unless the frame has them already), so that the
 * standard mapping defaults pick them up.
 */
export function withAnnotationFields(frame: DataFrame): DataFrame {
  const get = (name: string) => fieldByName(frame, name);
  const event = get('event');
  const action = get('action');
  const message = get('message');
  const user = get('user');
  const email = get('email');
  const objectType = get('objectType');
  const provider = get('provider');

  const titles: string[] = [];
  const texts: string[] = [];
  const tags: string[][] = [];
  for (let i = 0; i < frame.length; i++) {
    const title = stringAt(event, i) || stringAt(action, i);
    titles.push(title);
    const who = stringAt(user, i) || stringAt(email, i);
    const mail = stringAt(email, i);
    const by = who && mail && mail !== who ? `${who} (${mail})` : who;
    const what = stringAt(message, i) || title;
    texts.push(by ? `${what} — ${by}` : what);
    const t: string[] = [];
    for (const v of [stringAt(user, i) || mail, stringAt(objectType, i), stringAt(provider, i)]) {
      if (v && !t.includes(v)) {
        t.push(v);
      }
    }
    tags.push(t);
  }
  // Only what the frame has the fields for (another frame keeps Grafana's defaults).
  const derived: Field[] = [];
  if (!get('title') && (event || action)) {
    derived.push({ name: 'title', type: FieldType.string, config: {}, values: titles });
  }
  if (!get('text') && (message || event || action)) {
    derived.push({ name: 'text', type: FieldType.string, config: {}, values: texts });
  }
  if (!get('tags') && (user || email || objectType || provider)) {
    derived.push({ name: 'tags', type: FieldType.other, config: {}, values: tags });
  }
  return { ...frame, fields: [...frame.fields, ...derived] };
}

function compileRegex(m: AnnotationEventFieldMapping | undefined): RegExp | undefined {
  if (!m?.regex) {
    return undefined;
  }
  try {
    return new RegExp(m.regex);
  } catch {
    return undefined;
  }
}

/**
 * Annotation events of the audit frames, honouring Grafana's field mappings.
 * A frame without a time or text field gives none (as in Grafana).
 */
export function annotationEvents(frames: DataFrame[], mappings: AnnotationEventMappings = {}): AnnotationEvent[] {
  const out: AnnotationEvent[] = [];
  for (const raw of frames) {
    if (!raw.length) {
      continue;
    }
    const frame = withAnnotationFields(raw);
    const setters: Array<{ m: Mapper; field?: Field; text?: string; regex?: RegExp }> = [];
    for (const m of MAPPERS) {
      const opt = mappings[m.key];
      if (opt?.source === AnnotationEventFieldSource.Skip) {
        continue;
      }
      if (opt?.source === AnnotationEventFieldSource.Text) {
        if (opt.value) {
          setters.push({ m, text: opt.value });
        }
        continue;
      }
      const field = fieldByName(frame, opt?.value || m.defaultField) ?? m.fallback?.(frame.fields);
      if (field) {
        setters.push({ m, field, regex: compileRegex(opt) });
      }
    }
    if (!setters.some((s) => s.m.key === 'time') || !setters.some((s) => s.m.key === 'text')) {
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      const ev: AnnotationEvent = {};
      for (const { m, field, text, regex } of setters) {
        let v: unknown = text ?? field?.values[i];
        if (v === null || v === undefined) {
          continue;
        }
        if (regex && typeof v === 'string') {
          const match = regex.exec(v);
          if (match) {
            v = match[1] ?? match[0];
          }
        }
        if (m.split && typeof v === 'string') {
          v = v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
        }
        (ev as Record<string, unknown>)[m.key] = v;
      }
      out.push(ev);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

export const auditAnnotationSupport: AnnotationSupport<AuditQuery> = {
  QueryEditor: AnnotationQueryEditor,

  // No getDefaultQuery: Grafana spreads it into the annotation itself (not its
  // target); prepareAnnotation gives an annotation without a target the default
  // table query instead.
  prepareAnnotation,

  /** Always a table query: annotations are built from its rows. */
  prepareQuery: (anno: AuditAnnotationQuery) => annotationTarget(anno.target),

  processEvents: (anno: AuditAnnotationQuery, frames: DataFrame[]): Observable<AnnotationEvent[] | undefined> =>
    of(annotationEvents(frames, anno.mappings)),
};
