/**
 * A provisioned dashboard drawn outside Grafana (index.html?editor=dashboard):
 * the panels of the dashboard the plugin ships (src/dashboards/) on Grafana's 24-column
 * grid, each in @grafana/ui's PanelChrome, with the data the plugin's Go
 * backend returned for its queries (cmd/dashframes, written by the global
 * setup to /frames/<uid>.json).
 *
 * What Grafana's panel plugins do is redone here with the library code they
 * use: the response is read by @grafana/runtime's toDataQueryResponse, the
 * panel's transformations run through @grafana/data's transformers, its
 * field config through applyFieldOverrides (on top of the panel plugin's
 * defaults), and the visualizations are @grafana/ui's:
 *
 *   timeseries -> TimeSeries, legend from the panel options (Grafana's time
 *                 series panel renders its own copy of this component)
 *   bargauge   -> VizRepeater of BarGauge over getFieldDisplayValues
 *   table      -> TableNG (what Grafana's table panel renders)
 *   logs       -> TableNG as well: Grafana's logs panel is not part of
 *                 @grafana/ui, so the log frame is shown as a table (and the
 *                 panel says so)
 *
 * Annotations come from the backend's frames for each annotation query,
 * turned into events by the plugin's own annotation support
 * (src/annotations.ts), and are marked on the time series through
 * @grafana/ui's EventsCanvas with markers drawn here (Grafana's time series
 * panel draws its own). Above the grid: the dashboard's variables at their
 * saved values, its annotation toggles and time range, with @grafana/ui
 * inputs (Grafana's dashboard controls are not in the library).
 *
 * The page also checks that the queries the backend ran are what the
 * plugin's frontend sends for the saved targets.
 */
import React, { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import {
  AnnotationEvent,
  applyFieldOverrides,
  arrayToDataFrame,
  DataFrame,
  DataSourcePluginMeta,
  DataTransformerConfig,
  dateTime,
  FieldConfig,
  FieldConfigOptionsRegistry,
  FieldConfigPropertyItem,
  FieldConfigSource,
  FieldDisplay,
  getDisplayValueAlignmentFactors,
  getFieldDisplayValues,
  GrafanaTheme2,
  PluginType,
  rangeUtil,
  standardTransformers,
  standardTransformersRegistry,
  TimeRange,
  transformDataFrame,
  TransformerRegistryItem,
  TypedVariableModel,
  VizOrientation,
} from '@grafana/data';
import { BackendDataSourceResponse, toDataQueryResponse } from '@grafana/runtime';
import {
  BarGauge,
  Combobox,
  EventsCanvas,
  InlineField,
  InlineSwitch,
  MultiCombobox,
  PanelChrome,
  Text,
  TimeSeries,
  ToolbarButton,
  UPlotConfigBuilder,
  useStyles2,
  useTheme2,
  VizRepeater,
} from '@grafana/ui';
import { TableNG } from '@grafana/ui/unstable';
import { lastValueFrom } from 'rxjs';
import type uPlot from 'uplot';

import { annotationEvents, annotationTarget } from '../../../src/annotations';
import { DataSource } from '../../../src/datasource';
import { AuditDataSourceOptions, AuditQuery, PROVIDER_IDS } from '../../../src/types';
import type { DashboardRecord } from './record';
import { installRuntime } from './runtime';

type Json = any;

interface PanelJson {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Json[];
  fieldConfig?: FieldConfigSource;
  options?: Json;
  transformations?: DataTransformerConfig[];
}

interface AnnotationJson {
  name: string;
  enable: boolean;
  hide?: boolean;
  iconColor?: string;
  builtIn?: number;
  target?: Json;
  mappings?: Json;
  filter?: { exclude?: boolean; ids?: number[] };
}

interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  annotations?: { list?: AnnotationJson[] };
  templating?: { list?: Json[] };
}

/** What cmd/dashframes writes. */
interface FramesFile {
  dashboard: DashboardJson;
  datasource: string;
  width: number;
  range: { from: number; to: number; raw: { from: string; to: string } };
  panels: Array<{ id: number; queries: Json[]; response: BackendDataSourceResponse }>;
  annotations: Array<{ name: string; queries: Json[]; response: BackendDataSourceResponse }>;
}

interface Prepared {
  json: PanelJson;
  frames: DataFrame[];
  fieldConfig: FieldConfigSource;
  error?: string;
}

// ---------------------------------------------------------------------------
// Grafana's grid: 24 columns, rows of 30px, 8px gaps (cmd/dashframes sizes
// each panel's maxDataPoints with the same numbers).

const COLUMNS = 24;
const ROW_HEIGHT = 30;
const GAP = 8;
const PAGE_PADDING = 16;

function gridBox(pos: PanelJson['gridPos'], gridWidth: number) {
  const col = (gridWidth - GAP * (COLUMNS - 1)) / COLUMNS;
  return {
    left: Math.round((col + GAP) * pos.x),
    top: Math.round((ROW_HEIGHT + GAP) * pos.y),
    width: Math.round(col * pos.w + GAP * (pos.w - 1)),
    height: Math.round(ROW_HEIGHT * pos.h + GAP * (pos.h - 1)),
  };
}

// ---------------------------------------------------------------------------
// Field config: the panel plugins' defaults (as in Grafana 12's timeseries,
// bar gauge and table panels) under the panel's own fieldConfig.

const BASE_THRESHOLDS = {
  mode: 'absolute',
  steps: [
    { color: 'green', value: -Infinity },
    { color: 'red', value: 80 },
  ],
};

const GRAPH_DEFAULTS = {
  drawStyle: 'line',
  lineInterpolation: 'linear',
  lineWidth: 1,
  fillOpacity: 0,
  gradientMode: 'none',
  barAlignment: 0,
  barWidthFactor: 0.6,
  spanNulls: false,
  insertNulls: false,
  showPoints: 'auto',
  pointSize: 5,
  stacking: { mode: 'none', group: 'A' },
  axisPlacement: 'auto',
  axisLabel: '',
  axisColorMode: 'text',
  axisBorderShow: false,
  axisCenteredZero: false,
  scaleDistribution: { type: 'linear' },
  hideFrom: { legend: false, tooltip: false, viz: false },
  thresholdsStyle: { mode: 'off' },
  showValues: false,
};

const TABLE_DEFAULTS = { align: 'auto', cellOptions: { type: 'auto' }, inspect: false };

const PANEL_DEFAULTS: Record<string, FieldConfig> = {
  timeseries: { color: { mode: 'palette-classic' }, custom: GRAPH_DEFAULTS } as FieldConfig,
  bargauge: { color: { mode: 'thresholds' } } as FieldConfig,
  table: { color: { mode: 'thresholds' }, custom: TABLE_DEFAULTS } as FieldConfig,
  logs: { color: { mode: 'thresholds' }, custom: TABLE_DEFAULTS } as FieldConfig,
};

const BARGAUGE_OPTIONS = {
  orientation: VizOrientation.Auto,
  displayMode: 'gradient',
  valueMode: 'color',
  namePlacement: 'auto',
  showUnfilled: true,
  sizing: 'auto',
  minVizWidth: 8,
  minVizHeight: 16,
  maxVizHeight: 300,
  reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) {
    return (over === undefined ? base : over) as T;
  }
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = merge(out[k], v);
  }
  return out as T;
}

/** Saved thresholds have `null` for the base step; Grafana reads it as -Infinity. */
function loadThresholds(c: FieldConfig): FieldConfig {
  const t = c.thresholds as Json;
  if (!t?.steps) {
    return c;
  }
  return { ...c, thresholds: { ...t, steps: t.steps.map((s: Json) => ({ ...s, value: s.value ?? -Infinity })) } };
}

function panelFieldConfig(p: PanelJson): FieldConfigSource {
  const defaults = merge(
    { thresholds: BASE_THRESHOLDS, ...(PANEL_DEFAULTS[p.type] ?? {}) } as FieldConfig,
    p.fieldConfig?.defaults ?? {}
  );
  return { defaults: loadThresholds(defaults), overrides: p.fieldConfig?.overrides ?? [] };
}

/**
 * The options registry applyFieldOverrides needs: in Grafana it holds the
 * standard options and the panel plugin's custom ones; here one plain item
 * per property the panel sets (values are used as saved).
 */
function registryFor(fc: FieldConfigSource): FieldConfigOptionsRegistry {
  const ids = new Set<string>();
  for (const k of Object.keys(fc.defaults)) {
    if (k !== 'custom') {
      ids.add(k);
    }
  }
  for (const k of Object.keys(fc.defaults.custom ?? {})) {
    ids.add(`custom.${k}`);
  }
  for (const o of fc.overrides) {
    for (const prop of o.properties) {
      ids.add(prop.id);
    }
  }
  const Nothing = () => null;
  return new FieldConfigOptionsRegistry(() =>
    [...ids].map((id) => {
      const isCustom = id.startsWith('custom.');
      return {
        id,
        name: id,
        path: isCustom ? id.slice('custom.'.length) : id,
        isCustom,
        process: (v: unknown) => v,
        shouldApply: () => true,
        editor: Nothing,
        override: Nothing,
      } as unknown as FieldConfigPropertyItem;
    })
  );
}

// Grafana registers its transformers at start-up; the standard ones are in
// @grafana/data (some under two names: one entry per id).
standardTransformersRegistry.setInit(() =>
  [...new Map(Object.values(standardTransformers).map((t) => [t.id, t])).values()].map(
    (t) => ({ id: t.id, name: t.name, transformation: t, editor: () => null }) as unknown as TransformerRegistryItem
  )
);

/** The logs frame as a table: time, level, line (Grafana's logs panel is not in @grafana/ui). */
const LOGS_AS_TABLE: Pick<PanelJson, 'transformations' | 'fieldConfig'> = {
  transformations: [
    {
      id: 'organize',
      options: { excludeByName: { id: true, labels: true }, indexByName: { timestamp: 0, severity: 1, body: 2 } },
    },
  ],
  fieldConfig: {
    defaults: {},
    overrides: [
      { matcher: { id: 'byName', options: 'timestamp' }, properties: [{ id: 'custom.width', value: 190 }] },
      {
        matcher: { id: 'byName', options: 'severity' },
        properties: [
          { id: 'custom.width', value: 90 },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
          {
            id: 'mappings',
            value: [
              {
                type: 'value',
                options: {
                  error: { color: 'red', index: 0 },
                  warning: { color: 'orange', index: 1 },
                  info: { color: 'green', index: 2 },
                },
              },
            ],
          },
        ],
      },
    ],
  },
};

async function preparePanel(
  p: PanelJson,
  response: BackendDataSourceResponse | undefined,
  queries: Json[],
  theme: GrafanaTheme2
): Promise<Prepared> {
  const json: PanelJson =
    p.type !== 'logs'
      ? p
      : {
          ...p,
          transformations: [...LOGS_AS_TABLE.transformations!, ...(p.transformations ?? [])],
          fieldConfig: {
            defaults: p.fieldConfig?.defaults ?? {},
            overrides: [...LOGS_AS_TABLE.fieldConfig!.overrides, ...(p.fieldConfig?.overrides ?? [])],
          },
        };
  const fieldConfig = panelFieldConfig(json);
  if (!response) {
    return { json: p, frames: [], fieldConfig, error: 'no response for this panel' };
  }
  const res = toDataQueryResponse({ data: response }, queries);
  let frames = res.data as DataFrame[];
  if (json.transformations?.length) {
    frames = await lastValueFrom(transformDataFrame(json.transformations, frames));
  }
  frames = applyFieldOverrides({
    data: frames,
    fieldConfig,
    fieldConfigRegistry: registryFor(fieldConfig),
    replaceVariables: (s: string) => s,
    theme,
    timeZone: 'browser',
  });
  return { json: p, frames, fieldConfig, error: res.error?.message };
}

// ---------------------------------------------------------------------------
// Visualizations

interface VizProps {
  panel: Prepared;
  width: number;
  height: number;
  timeRange: TimeRange;
  annotations: AnnotationSet[];
}

interface AnnotationSet {
  name: string;
  color: string;
  events: AnnotationEvent[];
}

// Grafana draws a dashed line in the annotation's colour across the plot and
// a marker under it; the lines are fainter here, as the demo has hundreds.
const getMarkerStyles = (theme: GrafanaTheme2) => ({
  line: css({
    position: 'absolute',
    bottom: 0,
    width: 0,
    borderLeft: '1px dashed',
    opacity: 0.35,
  }),
  flag: css({
    position: 'absolute',
    bottom: -5,
    left: -4,
    width: 8,
    height: 5,
    clipPath: 'polygon(50% 0, 100% 100%, 0 100%)',
  }),
  label: theme.typography.bodySmall,
});

/** One dashboard annotation query's events, as markers at the bottom of the plot. */
function AnnotationMarkers({ config, set }: { config: UPlotConfigBuilder; set: AnnotationSet }) {
  const s = useStyles2(getMarkerStyles);
  const theme = useTheme2();
  const plot = useRef<uPlot>();
  useLayoutEffect(() => {
    config.addHook('init', (u) => {
      plot.current = u;
    });
  }, [config]);
  const color = theme.visualization.getColorByName(set.color);
  const frame = useMemo(
    () => arrayToDataFrame(set.events.map((e) => ({ time: e.time, title: e.title ?? '', text: e.text ?? '' }))),
    [set]
  );
  return (
    <EventsCanvas
      id={`annotations-${set.name}`}
      config={config}
      events={[frame]}
      mapEventToXYCoords={(f, i) => {
        const u = plot.current;
        const t = f.fields[0].values[i] as number;
        if (!u || u.scales.x.min === undefined || u.scales.x.max === undefined) {
          return undefined;
        }
        if (t < u.scales.x.min || t > u.scales.x.max) {
          return undefined;
        }
        return { x: u.valToPos(t, 'x'), y: u.bbox.height / window.devicePixelRatio };
      }}
      renderEventMarker={(f, i) => {
        const u = plot.current;
        const h = u ? u.bbox.height / window.devicePixelRatio : 0;
        return (
          <div data-testid="annotation-marker" title={String(f.fields[2].values[i])}>
            <div className={s.line} style={{ height: h, borderColor: color }} />
            <div className={s.flag} style={{ background: color }} />
          </div>
        );
      }}
    />
  );
}

function TimeSeriesViz({ panel, width, height, timeRange, annotations }: VizProps) {
  const options = panel.json.options ?? {};
  return (
    <TimeSeries
      frames={panel.frames}
      timeRange={timeRange}
      timeZone="browser"
      width={width}
      height={height}
      legend={{ showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [], ...options.legend }}
      options={options}
    >
      {(config) => annotations.map((a) => <AnnotationMarkers key={a.name} config={config} set={a} />)}
    </TimeSeries>
  );
}

function BarGaugeViz({ panel, width, height }: VizProps) {
  const theme = useTheme2();
  const options: Json = merge(BARGAUGE_OPTIONS, panel.json.options ?? {});
  const itemSpacing = options.displayMode === 'lcd' ? 2 : 10;
  return (
    <VizRepeater<FieldDisplay, Json>
      source={panel.frames}
      getValues={() =>
        getFieldDisplayValues({
          fieldConfig: panel.fieldConfig,
          reduceOptions: options.reduceOptions,
          replaceVariables: (s: string) => s,
          theme,
          data: panel.frames,
          timeZone: 'browser',
        })
      }
      getAlignmentFactors={getDisplayValueAlignmentFactors}
      renderCounter={0}
      width={width}
      height={height}
      orientation={options.orientation}
      itemSpacing={itemSpacing}
      minVizWidth={options.minVizWidth}
      minVizHeight={options.minVizHeight}
      maxVizHeight={options.maxVizHeight}
      renderValue={({ value, width: w, height: h, orientation, alignmentFactors, count }) => (
        <BarGauge
          value={value.display}
          width={w}
          height={h}
          orientation={orientation}
          field={value.field}
          text={options.text}
          display={
            value.view && value.colIndex !== undefined ? value.view.getFieldDisplayProcessor(value.colIndex) : undefined
          }
          theme={theme}
          itemSpacing={itemSpacing}
          displayMode={options.displayMode}
          alignmentFactors={count > 1 ? alignmentFactors : undefined}
          showUnfilled={options.showUnfilled}
          valueDisplayMode={options.valueMode}
          namePlacement={options.namePlacement}
          isOverflow={false}
        />
      )}
    />
  );
}

function TableViz({ panel, width, height, timeRange }: VizProps) {
  const options = panel.json.options ?? {};
  const frame = panel.frames[0];
  return (
    <TableNG
      data={frame}
      width={width}
      height={height}
      noHeader={options.showHeader === false}
      cellHeight={options.cellHeight}
      initialSortBy={options.sortBy}
      fieldConfig={panel.fieldConfig}
      timeRange={timeRange}
      enableVirtualization
    />
  );
}

const VIZ: Record<string, (p: VizProps) => React.ReactNode> = {
  timeseries: TimeSeriesViz,
  bargauge: BarGaugeViz,
  table: TableViz,
  logs: TableViz,
};

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    background: theme.colors.background.canvas,
    padding: PAGE_PADDING,
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(1),
  }),
  controls: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  }),
  spacer: css({ flex: 1 }),
  grid: css({ position: 'relative' }),
  cell: css({ position: 'absolute' }),
  noData: css({
    display: 'flex',
    height: '100%',
    alignItems: 'center',
    justifyContent: 'center',
    color: theme.colors.text.secondary,
  }),
});

function Panel({
  panel,
  timeRange,
  annotations,
  gridWidth,
}: Omit<VizProps, 'width' | 'height'> & { gridWidth: number }) {
  const s = useStyles2(getStyles);
  const box = gridBox(panel.json.gridPos, gridWidth);
  const Viz = VIZ[panel.json.type];
  const hasData = panel.frames.some((f) => f.length > 0);
  return (
    <div className={s.cell} style={box} data-testid={`panel-${panel.json.id}`}>
      <PanelChrome
        title={panel.json.title}
        description={panel.json.description}
        width={box.width}
        height={box.height}
        statusMessage={panel.error}
        titleItems={
          panel.json.type === 'logs' ? (
            <Text color="secondary" variant="bodySmall" italic>
              logs panel shown as a table
            </Text>
          ) : undefined
        }
      >
        {(w, h) =>
          !Viz ? (
            <div className={s.noData}>Panel type {panel.json.type} is not drawn by the harness</div>
          ) : !hasData ? (
            <div className={s.noData}>No data</div>
          ) : (
            <Viz panel={panel} width={w} height={h} timeRange={timeRange} annotations={annotations} />
          )
        }
      </PanelChrome>
    </div>
  );
}

// ---------------------------------------------------------------------------
// The plugin frontend's view of the queries

const QUERY_KEYS = ['provider', 'format', 'events', 'objectTypes', 'users', 'search', 'groupBy', 'limit', 'options'];

function frontendDataSource(uid: string): DataSource {
  const jsonData: AuditDataSourceOptions = {
    providers: Object.fromEntries(PROVIDER_IDS.map((id) => [id, { enabled: true }])),
  };
  return new DataSource({
    id: 1,
    uid,
    type: 'auditlens-auditlog-datasource',
    name: 'Audit Log (simulator)',
    meta: {
      id: 'auditlens-auditlog-datasource',
      type: PluginType.datasource,
      info: {},
    } as unknown as DataSourcePluginMeta,
    jsonData,
    access: 'proxy',
    readOnly: true,
  });
}

/** Differences between the queries the backend ran and what the frontend sends for the saved targets. */
function queryMismatches(data: FramesFile): string[] {
  const ds = frontendDataSource(data.datasource);
  const out: string[] = [];
  const compare = (what: string, saved: AuditQuery, sent: Json) => {
    const want = ds.applyTemplateVariables(saved, {}) as unknown as Json;
    for (const k of QUERY_KEYS) {
      if (JSON.stringify(want[k]) !== JSON.stringify(sent?.[k])) {
        out.push(`${what} ${k}: frontend ${JSON.stringify(want[k])}, backend ran ${JSON.stringify(sent?.[k])}`);
      }
    }
  };
  for (const run of data.panels) {
    const p = data.dashboard.panels.find((x) => x.id === run.id);
    (p?.targets ?? []).forEach((t, i) => compare(`panel ${run.id} ${t.refId}`, t, run.queries[i]));
  }
  for (const run of data.annotations) {
    const a = data.dashboard.annotations?.list?.find((x) => x.name === run.name);
    compare(`annotation ${run.name}`, annotationTarget(a?.target), run.queries[0]);
  }
  return out;
}

// ---------------------------------------------------------------------------

interface Loaded {
  data: FramesFile;
  panels: Prepared[];
  annotations: Array<AnnotationSet & { json: AnnotationJson }>;
}

async function load(uid: string, theme: GrafanaTheme2): Promise<Loaded> {
  const started = performance.now();
  const r = await fetch(`/frames/${uid}.json`);
  if (!r.ok) {
    throw new Error(`/frames/${uid}.json: HTTP ${r.status}`);
  }
  const data: FramesFile = await r.json();
  // uPlot draws axis labels onto its canvas once: Grafana's font must be there first.
  await Promise.all(['400 12px Inter', '500 12px Inter'].map((f) => document.fonts.load(f)));
  installRuntime((data.dashboard.templating?.list ?? []) as TypedVariableModel[]);

  const panels = await Promise.all(
    data.dashboard.panels.map((p) => {
      const run = data.panels.find((x) => x.id === p.id);
      return preparePanel(p, run?.response, run?.queries ?? [], theme);
    })
  );
  const annotations = data.annotations.map((run) => {
    const json = data.dashboard.annotations?.list?.find((a) => a.name === run.name)!;
    const frames = toDataQueryResponse({ data: run.response }, run.queries).data as DataFrame[];
    return { json, name: run.name, color: json.iconColor ?? 'red', events: annotationEvents(frames, json.mappings) };
  });
  const record: DashboardRecord = {
    panels: panels.map((p) => ({
      id: p.json.id,
      type: p.json.type,
      title: p.json.title,
      frames: p.frames.length,
      rows: p.frames.reduce((n, f) => n + f.length, 0),
      error: p.error,
    })),
    annotations: Object.fromEntries(annotations.map((a) => [a.name, a.events.length])),
    queryMismatches: queryMismatches(data),
    loadMs: Math.round(performance.now() - started),
  };
  window.__harness.dashboard = record;
  return { data, panels, annotations };
}

/** The annotations Grafana would draw on a panel (enabled, and the panel passes the filter). */
function annotationsFor(panelId: number, all: Loaded['annotations']): AnnotationSet[] {
  return all.filter((a) => {
    if (!a.json.enable) {
      return false;
    }
    const ids = a.json.filter?.ids;
    if (!ids?.length) {
      return true;
    }
    return a.json.filter?.exclude ? !ids.includes(panelId) : ids.includes(panelId);
  });
}

const noop = () => undefined;

/** The dashboard's controls: its variables at their saved values, annotation toggles, time range. */
function Controls({ loaded, timeRange }: { loaded: Loaded; timeRange: TimeRange }) {
  const s = useStyles2(getStyles);
  const vars = (loaded.data.dashboard.templating?.list ?? []).filter((v) => !v.hide);
  return (
    <div className={s.controls}>
      {vars.map((v) => {
        const current = v.current ?? {};
        const texts: string[] = Array.isArray(current.text) ? current.text : [current.text ?? ''];
        const values: string[] = Array.isArray(current.value) ? current.value : [current.value ?? ''];
        const options = values.map((value, i) => ({ value, label: texts[i] ?? value }));
        return (
          <InlineField key={v.name} label={v.label ?? v.name}>
            {v.multi ? (
              <MultiCombobox options={options} value={values} onChange={noop} width="auto" minWidth={8} />
            ) : (
              <Combobox options={options} value={values[0]} onChange={noop} width="auto" minWidth={8} />
            )}
          </InlineField>
        );
      })}
      {loaded.annotations
        .filter((a) => !a.json.hide)
        .map((a) => (
          <InlineField key={a.name} label={a.name}>
            <InlineSwitch value={a.json.enable} onChange={noop} />
          </InlineField>
        ))}
      <div className={s.spacer} />
      {/* Grafana's TimeRangePicker needs icons @grafana/ui does not ship: its main button alone. */}
      <ToolbarButton icon="clock-nine" isOpen={false} aria-label="Time range">
        {rangeUtil.describeTimeRange(timeRange.raw)}
      </ToolbarButton>
    </div>
  );
}

export function DashboardPage({ uid }: { uid: string }) {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const [loaded, setLoaded] = useState<Loaded>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    load(uid, theme).then(setLoaded, (e) => {
      console.error(e);
      setFailed(String(e));
    });
  }, [uid, theme]);

  if (!loaded) {
    // The page's frame from the start; aria-busy until the data is prepared.
    return (
      <div className={s.page} data-testid="harness-dashboard" aria-busy={!failed}>
        {failed ? <Text color="error">{failed}</Text> : <Text color="secondary">Loading…</Text>}
      </div>
    );
  }
  const { data } = loaded;
  const timeRange: TimeRange = {
    from: dateTime(data.range.from),
    to: dateTime(data.range.to),
    raw: data.range.raw,
  };
  const gridWidth = data.width - 2 * PAGE_PADDING;
  const bottom = Math.max(...data.dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  return (
    <div className={s.page} style={{ width: data.width }} data-testid="harness-dashboard" aria-busy={false}>
      <div className={s.header}>
        <Text element="h1" variant="h3">
          {data.dashboard.title}
        </Text>
      </div>
      <Controls loaded={loaded} timeRange={timeRange} />
      <div className={s.grid} style={{ height: bottom * (ROW_HEIGHT + GAP) - GAP }}>
        {loaded.panels.map((p) => (
          <Panel
            key={p.json.id}
            panel={p}
            timeRange={timeRange}
            annotations={annotationsFor(p.json.id, loaded.annotations)}
            gridWidth={gridWidth}
          />
        ))}
      </div>
    </div>
  );
}
