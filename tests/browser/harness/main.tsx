/**
 * The browser harness: the plugin's real editors, rendered outside Grafana
 * with the real @grafana/ui, its dark theme and global styles. The page is
 * chosen by the URL: index.html?editor=config|query|variable|annotation
 * (&scenario=… for the config editor; &app=… and &format=… for the query
 * editor), ?editor=health (&health=ok|failing) for Save & test's result, or
 * ?editor=dashboard&uid=… for a provisioned dashboard drawn from the
 * backend's frames (dashboard.tsx). Payloads land on window.__harness.
 */
import React, { useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { css } from '@emotion/css';
import {
  CoreApp,
  DataSourceInstanceSettings,
  DataSourcePluginMeta,
  DataSourceSettings,
  dateTime,
  GrafanaTheme2,
  MetricFindValue,
  PluginType,
  TestDataSourceResponse,
  TimeRange,
  createTheme,
} from '@grafana/data';
import { HealthCheckError } from '@grafana/runtime';
import { Alert, Button, GlobalStyles, Stack, Text, ThemeContext, useStyles2 } from '@grafana/ui';
import { lastValueFrom, Observable } from 'rxjs';

import { AnnotationQueryEditor } from '../../../src/components/AnnotationQueryEditor';
import { ConfigEditor } from '../../../src/components/ConfigEditor';
import { QueryEditor } from '../../../src/components/QueryEditor';
import { VariableQueryEditor } from '../../../src/components/VariableQueryEditor';
import { DataSource } from '../../../src/datasource';
import { AuditDataSourceOptions, AuditQuery, AuditSecureJsonData } from '../../../src/types';
import { AuditVariableQuery } from '../../../src/variableQuery';
import { DashboardPage } from './dashboard';
import { DATASOURCE_NAME, DATASOURCE_UID, EDITOR_RANGE, ENABLED_PROVIDERS } from './fixtures';
import { initRecord, record } from './record';
import { installRuntime } from './runtime';

initRecord();
installRuntime();

const PLUGIN_ID = 'auditlens-auditlog-datasource';

const meta = {
  id: PLUGIN_ID,
  name: 'Audit Log',
  type: PluginType.datasource,
  module: '',
  baseUrl: '',
  backend: true,
  annotations: true,
  logs: true,
  metrics: true,
  info: {
    author: { name: 'Auditlens' },
    description: 'Audit logs',
    links: [],
    logos: { small: '', large: '' },
    screenshots: [],
    updated: '',
    version: '1.0.0',
  },
} as DataSourcePluginMeta<AuditDataSourceOptions>;

/** The dashboard's time range the query editors get (fixed: no test reads today's date). */
const editorRange: TimeRange = {
  from: dateTime(EDITOR_RANGE.from),
  to: dateTime(EDITOR_RANGE.to),
  raw: EDITOR_RANGE.raw,
};

const queryJsonData: AuditDataSourceOptions = {
  providers: Object.fromEntries(ENABLED_PROVIDERS.map((id) => [id, { enabled: true }])),
};

function makeDataSource(): DataSource {
  const settings: DataSourceInstanceSettings<AuditDataSourceOptions> = {
    id: 1,
    uid: DATASOURCE_UID,
    type: PLUGIN_ID,
    name: DATASOURCE_NAME,
    meta,
    jsonData: queryJsonData,
    access: 'proxy',
    readOnly: false,
  };
  return new DataSource(settings);
}

type Settings = DataSourceSettings<AuditDataSourceOptions, AuditSecureJsonData>;

/** Settings as Grafana hands them to the config editor. */
function configScenario(name: string | null): Settings {
  const base = {
    id: 1,
    uid: DATASOURCE_UID,
    orgId: 1,
    name: DATASOURCE_NAME,
    type: PLUGIN_ID,
    typeName: 'Audit Log',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData: {},
    secureJsonFields: {},
  } as unknown as Settings;
  if (name === 'configured') {
    // A saved data source: Domo and ThousandEyes set up, their secrets
    // stored; a self-hosted CA certificate and a longer timeout.
    return {
      ...base,
      jsonData: {
        providers: {
          domo: { enabled: true, instance: 'acme' },
          thousandeyes: { enabled: true, accountGroupId: '1234', requestsPerMinute: 120 },
        },
        maxEvents: 50000,
        timeout: 60,
        tlsAuthWithCACert: true,
      },
      secureJsonFields: { domoToken: true, thousandeyesToken: true, tlsCACert: true },
    };
  }
  if (name === 'shared') {
    // Grafana HA: a saved Redis URL with its password, and a 25 % reserve.
    return {
      ...base,
      jsonData: {
        providers: { thousandeyes: { enabled: true } },
        rateLimitReserve: 25,
        redisUrl: 'redis://redis:6379/0',
      },
      secureJsonFields: { thousandeyesToken: true, redisPassword: true },
    };
  }
  return base;
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    padding: theme.spacing(3),
    minHeight: '100vh',
  }),
  frame: css({
    width: 1200,
    padding: theme.spacing(2),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  queryHeader: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 1),
    marginBottom: theme.spacing(1),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
  }),
  refId: css({
    color: theme.colors.primary.text,
    fontWeight: theme.typography.fontWeightMedium,
  }),
  chips: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  }),
  chip: css({
    padding: theme.spacing(0.5, 1),
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});

function Frame({ children, testId }: { children: React.ReactNode; testId: string }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.page}>
      <div className={s.frame} data-testid={testId}>
        {children}
      </div>
    </div>
  );
}

function ConfigPage({ scenario }: { scenario: string | null }) {
  const [options, setOptions] = useState<Settings>(() => configScenario(scenario));
  return (
    <Frame testId="harness-config">
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          record('config', o);
          setOptions(o);
        }}
      />
    </Frame>
  );
}

/** A query row like Grafana's: refId and data source name above the editor. */
function QueryRowHeader({ refId }: { refId: string }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.queryHeader}>
      <span className={s.refId}>{refId}</span>
      <Text color="secondary" variant="bodySmall">
        ({DATASOURCE_NAME})
      </Text>
    </div>
  );
}

/** The query editor; `saved` overrides fields of the new query, as a saved query would (e.g. its format). */
function QueryPage({ app, saved }: { app: CoreApp; saved: Partial<AuditQuery> }) {
  const datasource = useMemo(() => makeDataSource(), []);
  const [query, setQuery] = useState<AuditQuery>(
    () => ({ refId: 'A', ...datasource.getDefaultQuery(app), ...saved }) as AuditQuery
  );
  return (
    <Frame testId="harness-query">
      <QueryRowHeader refId={query.refId} />
      <QueryEditor
        app={app}
        range={editorRange}
        datasource={datasource}
        query={query}
        onChange={(q) => {
          record('query', q);
          setQuery(q);
        }}
        onRunQuery={() => {
          window.__harness.runs++;
        }}
      />
    </Frame>
  );
}

function AnnotationPage() {
  const datasource = useMemo(() => makeDataSource(), []);
  const [query, setQuery] = useState<AuditQuery>(
    () => ({ refId: 'Anno', ...datasource.getDefaultQuery(CoreApp.Dashboard) }) as AuditQuery
  );
  return (
    <Frame testId="harness-annotation">
      <AnnotationQueryEditor
        app={CoreApp.Dashboard}
        range={editorRange}
        datasource={datasource}
        query={query}
        onChange={(q) => {
          record('annotation', q);
          setQuery(q);
        }}
        onRunQuery={() => {
          window.__harness.runs++;
        }}
      />
    </Frame>
  );
}

/** Grafana's variable editor around the plugin's: the editor, then "Preview of values". */
function VariablePage() {
  const s = useStyles2(getStyles);
  const datasource = useMemo(() => makeDataSource(), []);
  // A variable saved by an older version of the plugin: the plain string "events".
  const [query, setQuery] = useState<AuditVariableQuery | string>('events');
  // The values of the query they were loaded for; older answers are not shown.
  const [loaded, setLoaded] = useState<{ query: unknown; values: MetricFindValue[] }>();
  const preview = loaded?.query === query ? loaded.values : undefined;

  useEffect(() => {
    let live = true;
    const support = datasource.variables as unknown as {
      query: (r: unknown) => Observable<{ data: MetricFindValue[] }>;
    };
    lastValueFrom(
      support.query({
        targets: [query],
        scopedVars: {},
        range: editorRange,
      })
    ).then(
      (res) => {
        if (live) {
          window.__harness.preview = res.data.map((v) => ({ text: String(v.text), value: String(v.value) }));
          setLoaded({ query, values: res.data });
        }
      },
      () => live && setLoaded({ query, values: [] })
    );
    return () => {
      live = false;
    };
  }, [datasource, query]);

  return (
    <Frame testId="harness-variable">
      <Stack direction="column" gap={2}>
        <Text element="h5">Query options</Text>
        <VariableQueryEditor
          datasource={datasource}
          query={query as AuditVariableQuery}
          onChange={(q) => {
            record('variable', q);
            setQuery(q);
          }}
          onRunQuery={() => {
            window.__harness.runs++;
          }}
        />
        <Text element="h5">Preview of values</Text>
        <div className={s.chips} data-testid="variable-preview" aria-busy={preview === undefined}>
          {preview === undefined ? (
            <Text color="secondary">Loading…</Text>
          ) : preview.length === 0 ? (
            <Text color="secondary">No values</Text>
          ) : (
            preview.map((v) => (
              <span key={String(v.value)} className={s.chip} title={String(v.value)}>
                {v.text}
              </span>
            ))
          )}
        </div>
      </Stack>
    </Frame>
  );
}

/**
 * Save & test on Grafana's data source page: DataSource.testDatasource
 * through the real @grafana/runtime (the health API answered by runtime.ts),
 * its result shown the way Grafana's DataSourceTestingStatus does: the
 * message, details.message, and details.verboseMessage in an expandable
 * block that keeps its line breaks. A failure's details come from its
 * HealthCheckError, as Grafana's parseHealthCheckError reads them.
 */
function HealthPage() {
  const datasource = useMemo(() => makeDataSource(), []);
  const [result, setResult] = useState<TestDataSourceResponse>();
  const test = () =>
    datasource.testDatasource().then(setResult, (e: { message?: string; error?: unknown }) => {
      const err = e.error instanceof HealthCheckError ? e.error : undefined;
      setResult({
        status: 'error',
        message: err?.message ?? e.message ?? 'failed',
        details: err?.details as TestDataSourceResponse['details'],
      });
    });
  const details = result?.details;
  return (
    <Frame testId="harness-health">
      <Stack direction="column" gap={2}>
        <div>
          <Button onClick={test}>Save &amp; test</Button>
        </div>
        {result && (
          <Alert
            severity={result.status === 'error' ? 'error' : 'success'}
            title={result.message}
            aria-label="Data source connection status"
          >
            {details?.message && <p>{details.message}</p>}
            {details?.verboseMessage && (
              <details>
                <summary>Click to view more details</summary>
                <div style={{ whiteSpace: 'pre-wrap' }}>{details.verboseMessage}</div>
              </details>
            )}
          </Alert>
        )}
      </Stack>
    </Frame>
  );
}

function Page() {
  const params = new URLSearchParams(window.location.search);
  switch (params.get('editor')) {
    case 'config':
      return <ConfigPage scenario={params.get('scenario')} />;
    case 'query': {
      const format = params.get('format');
      return (
        <QueryPage
          app={(params.get('app') as CoreApp) || CoreApp.PanelEditor}
          saved={format ? ({ format } as Partial<AuditQuery>) : {}}
        />
      );
    }
    case 'health':
      return <HealthPage />;
    case 'annotation':
      return <AnnotationPage />;
    case 'variable':
      return <VariablePage />;
    case 'dashboard':
      return <DashboardPage uid={params.get('uid') || 'audit-overview'} />;
  }
  return <Text>Choose an editor: ?editor=config|query|variable|annotation|health|dashboard</Text>;
}

const theme = createTheme(); // dark, Grafana's default

function App() {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <Page />
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
