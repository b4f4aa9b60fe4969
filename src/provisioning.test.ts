/**
 * The demo's files: docker-compose.yaml, everything under provisioning/ and
 * the dashboard the plugin ships (src/dashboards/). Grafana only reads them
 * when the demo starts, so mistakes show up late; this checks them against
 * each other and against the query contract.
 *
 * `yaml` is a dev dependency of a dev dependency (@grafana/plugin-e2e); its
 * "node" export is CommonJS, hence the export conditions below.
 *
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "require", "default"]}
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';

import { prepareAnnotation } from './annotations';
import { DataSource, variableNames } from './datasource';
import plugin from './plugin.json';
import { FakeTemplateSrv, FakeVariable, instanceSettings } from './testUtils';
import { AuditQuery, normalizeQuery, parseQuery, PROVIDER_IDS, SECRET_KEYS, validateQuery } from './types';
import { migrateVariableQuery } from './variableQuery';
import { FAILED_LOGIN_EVENTS } from './components/QueryHelp';

let templateSrv = new FakeTemplateSrv();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const ROOT = path.resolve(__dirname, '..');
const PROVISIONING = path.join(ROOT, 'provisioning');
const DS_UID = 'audit-log-sim';
/** The dashboard the plugin ships (plugin.json includes), and the demo provisions. */
const DASHBOARD_FILE = path.join(__dirname, 'dashboards', 'audit-overview.json');
/** How the dashboard's panels name their data source: its data source variable. */
const DS_REF = { type: plugin.id, uid: '${ds}' };

type Obj = Record<string, any>;

const read = (file: string) => fs.readFileSync(file, 'utf8');
const readYaml = (file: string): Obj => parse(read(file));

/** Every file under a directory, recursively. */
function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Compose short syntax "host:container[:mode]" (or the long syntax). */
function volume(v: string | Obj): { host: string; container: string } {
  if (typeof v === 'string') {
    const [host, container] = v.split(':');
    return { host, container };
  }
  return { host: v.source, container: v.target };
}

/** The port numbers a service publishes ("3000:3000/tcp" -> 3000). */
function publishedPorts(service: Obj): number[] {
  return (service.ports ?? []).map((p: string | Obj) =>
    typeof p === 'string' ? Number(p.split(':')[0]) : Number(p.published)
  );
}

// ---------------------------------------------------------------------------
// docker-compose.yaml

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yaml');
const compose = readYaml(COMPOSE_FILE);

/** A service with `extends` resolved: [the merged service, the files its keys come from]. */
function service(name: string): { svc: Obj; volumes: Array<{ host: string; container: string; from: string }> } {
  const own = compose.services[name];
  let svc: Obj = { ...own };
  const volumes: Array<{ host: string; container: string; from: string }> = [];
  if (own.extends) {
    const baseFile = path.resolve(ROOT, own.extends.file);
    const base = readYaml(baseFile).services[own.extends.service];
    svc = { ...base, ...own };
    for (const v of base.volumes ?? []) {
      volumes.push({ ...volume(v), from: path.dirname(baseFile) });
    }
  }
  for (const v of own.volumes ?? []) {
    volumes.push({ ...volume(v), from: ROOT });
  }
  return { svc, volumes };
}

describe('docker-compose.yaml', () => {
  it('runs Grafana and the vendor simulator', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'vendorsim']);
    const { svc: grafana } = service('grafana');
    expect(publishedPorts(grafana)).toContain(3000);
    expect(grafana.depends_on).toContain('vendorsim');
    expect(grafana.container_name).toBe(plugin.id);
  });

  it('builds the simulator from cmd/vendorsim and publishes the port it listens on', () => {
    const sim = compose.services.vendorsim;
    expect(fs.existsSync(path.resolve(ROOT, sim.build.context, sim.build.dockerfile))).toBe(true);
    const addr = sim.command[sim.command.indexOf('-addr') + 1];
    expect(addr).toBe(':8099');
    expect(publishedPorts(sim)).toEqual([8099]);
    expect(sim.ports[0]).toMatch(/^8099:8099/);
  });

  it('mounts host paths that exist: provisioning, the repository, and the build output', () => {
    const { volumes } = service('grafana');
    expect(volumes.length).toBeGreaterThan(0);
    const mounts = new Map<string, string>();
    for (const v of volumes) {
      const host = path.resolve(v.from, v.host);
      mounts.set(v.container, host);
      if (host === path.join(ROOT, 'dist')) {
        // Made by `npm run build` (and mage): may not exist yet in a fresh checkout.
        expect(read(path.join(ROOT, '.gitignore'))).toMatch(/^dist\/$/m);
        continue;
      }
      expect({ volume: v.host, exists: fs.existsSync(host) }).toEqual({ volume: v.host, exists: true });
    }
    expect(mounts.get('/etc/grafana/provisioning')).toBe(PROVISIONING);
    expect(mounts.get(`/var/lib/grafana/plugins/${plugin.id}`)).toBe(path.join(ROOT, 'dist'));
  });
});

// ---------------------------------------------------------------------------
// Every provisioning file parses

describe('provisioning files', () => {
  const files = walk(PROVISIONING).filter((f) => /\.(ya?ml|json)$/.test(f));

  it('include the data source, dashboards and alerting', () => {
    const rel = files.map((f) => path.relative(PROVISIONING, f)).sort();
    expect(rel).toEqual(
      expect.arrayContaining(['alerting/failed-logins.yml', 'dashboards/dashboards.yml', 'datasources/datasources.yml'])
    );
  });

  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s parses', (_rel, file) => {
    const doc = file.endsWith('.json') ? JSON.parse(read(file)) : readYaml(file);
    expect(doc).toEqual(expect.any(Object));
    if (!file.endsWith('.json')) {
      expect(doc.apiVersion).toBe(1);
    }
  });
});

// ---------------------------------------------------------------------------
// The data source

const dsFile = readYaml(path.join(PROVISIONING, 'datasources/datasources.yml'));
const provisionedDs: Obj = dsFile.datasources.find((d: Obj) => d.uid === DS_UID);

describe('provisioned data source', () => {
  it('is this plugin with the uid the dashboard and alert rule use', () => {
    expect(provisionedDs).toBeDefined();
    expect(provisionedDs.type).toBe(plugin.id);
    expect(provisionedDs.access).toBe('proxy');
  });

  it('enables every provider on the simulator service, with its secret', () => {
    const providers: Obj = provisionedDs.jsonData.providers;
    expect(Object.keys(providers).sort()).toEqual([...PROVIDER_IDS].sort());
    const simPort = publishedPorts(compose.services.vendorsim)[0];
    for (const id of PROVIDER_IDS) {
      expect({ id, enabled: providers[id].enabled }).toEqual({ id, enabled: true });
      const url = new URL(providers[id].url);
      expect({ id, host: url.hostname, port: Number(url.port) }).toEqual({ id, host: 'vendorsim', port: simPort });
      expect(typeof provisionedDs.secureJsonData[SECRET_KEYS[id]]).toBe('string');
    }
  });

  it("uses the simulator's default credentials (pkg/vendorsim)", () => {
    const sim = read(path.join(ROOT, 'pkg/vendorsim/sim.go'));
    const constant = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(sim)?.[1];
    const s = provisionedDs.secureJsonData;
    expect(s.domoToken).toBe(constant('DomoToken'));
    expect(s.domoPlatformClientSecret).toBe(constant('DomoPlatformClientSecret'));
    expect(s.dominoToken).toBe(constant('DominoBearer'));
    expect(s.datafoldApiKey).toBe(constant('DatafoldAPIKey'));
    expect(s.thousandeyesToken).toBe(constant('ThousandEyesToken'));
    expect(provisionedDs.jsonData.providers['domo-platform'].clientId).toBe(constant('DomoPlatformClientID'));
    expect(provisionedDs.jsonData.providers.domino.authType).toBe('bearer');
  });
});

// ---------------------------------------------------------------------------
// The dashboard

const dashboardsYml = readYaml(path.join(PROVISIONING, 'dashboards/dashboards.yml'));
const dashboard: Obj = JSON.parse(read(DASHBOARD_FILE));
const panels: Obj[] = dashboard.panels;
const variables: Obj[] = dashboard.templating.list;
/** The query variables (the data source variable aside). */
const queryVariables: Obj[] = variables.filter((v) => v.type !== 'datasource');

function makeDataSource() {
  return new DataSource({ ...instanceSettings(provisionedDs.jsonData), uid: DS_UID });
}

/** The dashboard's variables with "All" selected, as Grafana would interpolate them. */
function templateWithAll(): FakeTemplateSrv {
  const vars: Record<string, FakeVariable> = {};
  for (const v of queryVariables) {
    vars[v.name] = { value: v.multi ? ['$__all'] : '$__all', options: v.name === 'provider' ? [...PROVIDER_IDS] : [] };
  }
  return new FakeTemplateSrv(vars);
}

const targetsOf = (p: Obj): Obj[] => p.targets ?? [];

describe('dashboard provider', () => {
  it('reads the dashboards folder of the plugin, as mounted in the Grafana container', () => {
    const provider = dashboardsYml.providers[0];
    expect(provider.type).toBe('file');
    const dir: string = provider.options.path;
    // The plugin's folder in the container is dist/ (docker-compose), which the build fills from src/.
    const { volumes } = service('grafana');
    const pluginDir = `/var/lib/grafana/plugins/${plugin.id}`;
    const mount = volumes.find((v) => v.container === pluginDir);
    expect(mount && path.resolve(mount.from, mount.host)).toBe(path.join(ROOT, 'dist'));
    expect(dir.startsWith(`${pluginDir}/`)).toBe(true);
    const inSource = path.join(__dirname, path.relative(pluginDir, dir));
    expect(fs.readdirSync(inSource)).toEqual(['audit-overview.json']);
    expect(path.join(inSource, 'audit-overview.json')).toBe(DASHBOARD_FILE);
  });

  it('keeps one copy of the dashboard: none left under provisioning/', () => {
    expect(walk(PROVISIONING).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe('Audit overview dashboard', () => {
  beforeEach(() => {
    templateSrv = templateWithAll();
  });

  it('has a title, a uid and unique panel ids', () => {
    expect(dashboard.title).toBe('Audit overview');
    expect(dashboard.uid).toBe('audit-overview');
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a data source variable of this plugin, set to the provisioned data source', () => {
    const ds = variables[0];
    expect(ds).toMatchObject({ name: 'ds', type: 'datasource', query: plugin.id, multi: false, includeAll: false });
    expect(ds.current.value).toBe(DS_UID);
    expect(ds.current.text).toBe(provisionedDs.name);
  });

  it('uses the data source variable in every panel, target, variable and annotation: no fixed uid', () => {
    for (const p of panels) {
      expect({ panel: p.title, ds: p.datasource }).toEqual({ panel: p.title, ds: DS_REF });
      expect(targetsOf(p).length).toBeGreaterThan(0);
      for (const t of targetsOf(p)) {
        expect(t.datasource).toEqual(DS_REF);
      }
    }
    for (const v of queryVariables) {
      expect({ variable: v.name, ds: v.datasource }).toEqual({ variable: v.name, ds: DS_REF });
    }
    for (const a of dashboard.annotations.list.filter((x: Obj) => !x.builtIn)) {
      expect({ annotation: a.name, ds: a.datasource }).toEqual({ annotation: a.name, ds: DS_REF });
    }
    expect(read(DASHBOARD_FILE)).not.toContain(`"uid": "${DS_UID}"`);
  });

  it('has targets that are valid queries once the variables are interpolated', () => {
    const ds = makeDataSource();
    const defined = queryVariables.map((v) => v.name);
    for (const p of panels) {
      for (const t of targetsOf(p)) {
        // Saved in the current shape (normalizing changes nothing).
        const { datasource, ...contract } = t;
        expect({ panel: p.title, q: normalizeQuery(contract) }).toEqual({ panel: p.title, q: contract });
        for (const text of [t.provider, ...t.events, ...t.users, ...t.objectTypes, t.search]) {
          for (const name of variableNames(text)) {
            expect(defined).toContain(name);
          }
        }
        const q = ds.applyTemplateVariables(t as AuditQuery, {});
        expect({ panel: p.title, error: validateQuery(q) }).toEqual({ panel: p.title, error: undefined });
        expect(q.provider).toBe('all');
      }
    }
  });

  it('shows events by provider, failed logins, top users, recent events and logs', () => {
    const find = (type: string, pred: (q: AuditQuery) => boolean) =>
      panels.find((p) => p.type === type && targetsOf(p).some((t) => pred(normalizeQuery(t))));
    const byProvider = find('timeseries', (q) => q.format === 'timeseries' && q.groupBy === 'provider');
    expect(byProvider).toBeDefined();
    expect(normalizeQuery(byProvider!.targets[0]).provider).toBe('all');
    const failed = find(
      'timeseries',
      (q) => q.format === 'timeseries' && q.groupBy === 'user' && q.events.includes('Login failed.')
    );
    expect(normalizeQuery(failed!.targets[0]).events).toEqual(
      expect.arrayContaining(['Login failed.', 'FAILED_LOGIN', 'login_failed'])
    );
    expect(normalizeQuery(failed!.targets[0]).events).toEqual(FAILED_LOGIN_EVENTS);
    const top = panels.find(
      (p) => ['bargauge', 'table'].includes(p.type) && normalizeQuery(targetsOf(p)[0]).groupBy === 'user'
    );
    expect(top?.title).toBe('Top users');
    expect(find('table', (q) => q.format === 'table')).toBeDefined();
    expect(find('logs', (q) => q.format === 'logs')).toBeDefined();
  });

  it('has provider and user variables on the variable support, chained', () => {
    const byName = Object.fromEntries(queryVariables.map((v) => [v.name, v]));
    expect(variables.map((v) => v.name)).toEqual(['ds', 'provider', 'user']);
    for (const v of queryVariables) {
      expect(v.type).toBe('query');
      expect(v.datasource).toEqual(DS_REF);
      // Stored in the current model.
      expect(migrateVariableQuery(v.query)).toEqual(v.query);
      expect(v.includeAll).toBe(true);
    }
    expect(byName.provider.query).toMatchObject({ kind: 'providers' });
    // A multi-value provider cannot be one query's provider; "All" becomes "all".
    expect(byName.provider.multi).toBe(false);
    expect(byName.user.query).toMatchObject({ kind: 'users', provider: '$provider' });
  });

  it('has an annotation from the data source, a valid table query, on a time series panel', () => {
    const annos: Obj[] = dashboard.annotations.list.filter((a: Obj) => a.datasource?.uid === DS_REF.uid);
    expect(annos.length).toBeGreaterThan(0);
    const ds = makeDataSource();
    for (const a of annos) {
      expect(a.datasource.type).toBe(plugin.id);
      expect(a.enable).toBe(true);
      // Saved up to date: Grafana's annotation editor would otherwise rewrite it.
      expect(prepareAnnotation(a)).toBe(a);
      const q = ds.applyTemplateVariables(normalizeQuery(a.target), {});
      expect(validateQuery(q)).toBeUndefined();
      expect(q.format).toBe('table');
      for (const id of a.filter?.ids ?? []) {
        expect(panels.find((p) => p.id === id)?.type).toBe('timeseries');
      }
    }
  });
});

// ---------------------------------------------------------------------------
// The alert rule

describe('failed-logins alert rule', () => {
  const alerting = readYaml(path.join(PROVISIONING, 'alerting/failed-logins.yml'));
  const rules: Obj[] = alerting.groups.flatMap((g: Obj) => g.rules);

  it('is a Grafana-managed rule group in a folder with an interval', () => {
    expect(alerting.apiVersion).toBe(1);
    for (const g of alerting.groups) {
      expect(g).toMatchObject({ orgId: 1, name: expect.any(String), folder: expect.any(String) });
      expect(g.interval).toMatch(/^\d+[smh]$/);
    }
    expect(rules.length).toBeGreaterThan(0);
  });

  it.each(rules.map((r) => [r.title, r]))('%s: query A is a valid time series query on the data source', (_t, rule) => {
    const a = rule.data.find((d: Obj) => d.refId === 'A');
    expect(a.datasourceUid).toBe(DS_UID);
    expect(a.relativeTimeRange.from).toBeGreaterThan(a.relativeTimeRange.to);
    expect(a.relativeTimeRange.to).toBeGreaterThanOrEqual(0);
    expect(a.model.refId).toBe('A');
    const parsed = parseQuery(a.model);
    expect(parsed.error).toBeUndefined();
    expect(parsed.query).toMatchObject({
      provider: 'thousandeyes',
      format: 'timeseries',
      events: ['Login failed.'],
      groupBy: 'user',
    });
    // No template variables: alert rules are not interpolated.
    expect(JSON.stringify(a.model)).not.toContain('$');
  });

  it.each(rules.map((r) => [r.title, r]))('%s: reduce, then threshold > 5 as the condition', (_t, rule) => {
    const refIds = rule.data.map((d: Obj) => d.refId);
    expect(refIds).toEqual(['A', 'B', 'C']);
    expect(rule.condition).toBe('C');
    const [, b, c] = rule.data;
    for (const e of [b, c]) {
      expect(e.datasourceUid).toBe('__expr__');
      expect(e.model.refId).toBe(e.refId);
    }
    expect(b.model).toMatchObject({ type: 'reduce', expression: 'A' });
    expect(['sum', 'max']).toContain(b.model.reducer);
    expect(c.model).toMatchObject({ type: 'threshold', expression: 'B' });
    expect(c.model.conditions[0].evaluator).toEqual({ type: 'gt', params: [5] });
    expect(rule.for).toBe('0m');
    expect(rule.noDataState).toBeDefined();
    expect(rule.execErrState).toBeDefined();
    expect(rule.labels.severity).toBeDefined();
    expect(rule.annotations.summary).toContain('{{ $labels.user }}');
  });

  it.each(rules.map((r) => [r.title, r]))('%s: links to a panel of the dashboard', (_t, rule) => {
    expect(rule.annotations.__dashboardUid__).toBe(dashboard.uid);
    const panel = panels.find((p) => String(p.id) === rule.annotations.__panelId__);
    expect(panel?.title).toBe('Failed logins per user');
  });
});
