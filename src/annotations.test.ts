import { AnnotationEventFieldSource, DataFrame, Field, FieldType, toDataFrame } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import {
  annotationEvents,
  annotationTarget,
  auditAnnotationSupport,
  AuditAnnotationQuery,
  prepareAnnotation,
  withAnnotationFields,
} from './annotations';
import { AuditQuery, DEFAULT_QUERY } from './types';

const COLUMNS = [
  'provider',
  'user',
  'email',
  'userId',
  'action',
  'event',
  'objectType',
  'objectId',
  'objectName',
  'ipAddress',
  'userAgent',
  'scope',
  'status',
  'message',
  'raw',
] as const;

type Row = Partial<Record<(typeof COLUMNS)[number], string>> & { time: number };

/** A frame shaped like the backend's table frame (pkg/frames/table.go). */
function tableFrame(rows: Row[]): DataFrame {
  const fields: Field[] = [
    { name: 'time', type: FieldType.time, config: {}, values: rows.map((r) => r.time) },
    ...COLUMNS.map((c) => ({ name: c, type: FieldType.string, config: {}, values: rows.map((r) => r[c] ?? '') })),
  ];
  return { refId: 'Anno', length: rows.length, fields };
}

const T1 = Date.UTC(2026, 0, 5, 10, 0, 0);
const T2 = Date.UTC(2026, 0, 5, 10, 5, 0);

const ROWS: Row[] = [
  {
    time: T2,
    provider: 'thousandeyes',
    user: 'Ana Silva',
    email: 'ana@example.com',
    action: 'Login failed.',
    event: 'Login failed.',
    message: 'Login failed.',
  },
  {
    time: T1,
    provider: 'domo',
    user: 'bob',
    email: 'bob@example.com',
    action: 'EXPORTED',
    event: 'Exported card',
    objectType: 'CARD',
    objectName: 'Revenue by Month',
    message: 'Card "Revenue by Month" (123)',
  },
];

describe('annotation events from the table frame', () => {
  it('maps time, title = event, text = message and user, tags = user, object type, provider', () => {
    expect(annotationEvents([tableFrame(ROWS)])).toEqual([
      {
        time: T2,
        title: 'Login failed.',
        text: 'Login failed. — Ana Silva (ana@example.com)',
        tags: ['Ana Silva', 'thousandeyes'],
      },
      {
        time: T1,
        title: 'Exported card',
        text: 'Card "Revenue by Month" (123) — bob (bob@example.com)',
        tags: ['bob', 'CARD', 'domo'],
      },
    ]);
  });

  it('falls back to the action, the e-mail and the event when fields are empty', () => {
    const [ev] = annotationEvents([
      tableFrame([{ time: T1, provider: 'datafold', email: 'x@example.com', action: 'login_failed' }]),
    ]);
    expect(ev).toEqual({
      time: T1,
      title: 'login_failed',
      text: 'login_failed — x@example.com',
      tags: ['x@example.com', 'datafold'],
    });
  });

  it('honours Grafana field mappings: another field, a constant, a regex, skip, comma-split tags', () => {
    const events = annotationEvents([tableFrame(ROWS)], {
      title: { source: AnnotationEventFieldSource.Field, value: 'objectName' },
      text: { value: 'message', regex: '^(\\w+)' },
      tags: { source: AnnotationEventFieldSource.Text, value: 'audit, security' },
      id: { source: AnnotationEventFieldSource.Skip },
    });
    expect(events[1]).toEqual({ time: T1, title: 'Revenue by Month', text: 'Card', tags: ['audit', 'security'] });
    // An empty field still gives its (empty) value, as in Grafana.
    expect(events[0].title).toBe('');
  });

  it('reads fields case-insensitively and keeps a frame that already has title/text/tags', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [T1] },
        { name: 'Text', type: FieldType.string, values: ['given text'] },
        { name: 'tags', type: FieldType.string, values: ['a,b'] },
      ],
    });
    expect(annotationEvents([frame])).toEqual([{ time: T1, text: 'given text', tags: ['a', 'b'] }]);
  });

  it('gives nothing for empty frames or frames without a time field', () => {
    expect(annotationEvents([])).toEqual([]);
    expect(annotationEvents([tableFrame([])])).toEqual([]);
    const noTime = toDataFrame({ fields: [{ name: 'message', type: FieldType.string, values: ['x'] }] });
    expect(annotationEvents([noTime])).toEqual([]);
  });

  it('adds the derived fields to the frame', () => {
    const f = withAnnotationFields(tableFrame(ROWS.slice(1)));
    expect(f.fields.map((x) => x.name).slice(-3)).toEqual(['title', 'text', 'tags']);
    expect(f.fields.find((x) => x.name === 'tags')?.values[0]).toEqual(['bob', 'CARD', 'domo']);
  });
});

describe('auditAnnotationSupport', () => {
  const support = auditAnnotationSupport;

  it('has its own editor; a new annotation gets the default table query', () => {
    expect(support.QueryEditor).toBeDefined();
    expect(prepareAnnotation({ name: 'new', enable: true, iconColor: 'red' }).target).toEqual({
      ...DEFAULT_QUERY,
      refId: 'Anno',
      format: 'table',
    });
  });

  it('returns an up-to-date annotation unchanged (the editor saves any other result)', () => {
    const once = prepareAnnotation({
      name: 'x',
      enable: true,
      iconColor: 'red',
      target: { refId: 'Anno', provider: 'domo', event: 'EXPORTED' },
    });
    const twice = prepareAnnotation(once);
    expect(twice).toBe(once);
    const v2 = { name: 'v2', enable: true, iconColor: 'red', query: { kind: 'x' }, target: once.target };
    expect(prepareAnnotation(v2)).toBe(v2);
  });

  it('prepares a stored annotation: the target becomes a normalised table query', () => {
    const anno = prepareAnnotation({
      name: 'Failed logins',
      enable: true,
      iconColor: 'red',
      datasource: { type: 'auditlens-auditlog-datasource', uid: 'x' },
      target: { refId: 'A', provider: 'thousandeyes', format: 'timeseries', event: 'Login failed.', groupBy: 'user' },
      mappings: { title: { value: 'objectName' } },
    });
    expect(anno).toEqual({
      name: 'Failed logins',
      enable: true,
      iconColor: 'red',
      datasource: { type: 'auditlens-auditlog-datasource', uid: 'x' },
      target: {
        refId: 'A',
        provider: 'thousandeyes',
        format: 'table',
        events: ['Login failed.'],
        objectTypes: [],
        users: [],
        search: '',
        groupBy: 'user',
        limit: 10,
        options: {},
      },
      mappings: { title: { value: 'objectName' } },
    });
  });

  it('migrates a legacy string query to a search and a missing target to the defaults', () => {
    expect(prepareAnnotation({ name: 'old', enable: true, iconColor: 'red', query: 'vpn' }).target).toMatchObject({
      refId: 'Anno',
      format: 'table',
      search: 'vpn',
    });
    expect(prepareAnnotation({ name: 'new', enable: true, iconColor: 'red' }).target).toEqual(annotationTarget({}));
  });

  it('always runs a table query', () => {
    const target = { refId: 'Anno', provider: 'domo', format: 'timeseries', events: ['EXPORTED'] } as AuditQuery;
    expect(support.prepareQuery?.({ enable: true, name: 'x', iconColor: 'red', target })).toMatchObject({
      refId: 'Anno',
      provider: 'domo',
      format: 'table',
      events: ['EXPORTED'],
    });
  });

  it('turns frames into events with the annotation mappings', async () => {
    const anno: AuditAnnotationQuery = {
      enable: true,
      name: 'Audit',
      iconColor: 'red',
      mappings: { tags: { source: AnnotationEventFieldSource.Skip } },
    };
    const events = await lastValueFrom(support.processEvents!(anno, [tableFrame(ROWS)]));
    expect(events).toEqual([
      { time: T2, title: 'Login failed.', text: 'Login failed. — Ana Silva (ana@example.com)' },
      { time: T1, title: 'Exported card', text: 'Card "Revenue by Month" (123) — bob (bob@example.com)' },
    ]);
  });
});
