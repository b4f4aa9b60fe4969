import fs from 'fs';
import path from 'path';

import { DOCS_URL, ISSUES_URL } from './links';
import plugin from './plugin.json';

// The parts of Grafana's plugin.schema.json that apply to this plugin.json.
const TOP_LEVEL = [
  '$schema',
  'alerting',
  'annotations',
  'autoEnabled',
  'backend',
  'builtIn',
  'category',
  'dependencies',
  'enterpriseFeatures',
  'executable',
  'hideFromList',
  'id',
  'includes',
  'info',
  'logs',
  'metrics',
  'name',
  'pascalName',
  'preload',
  'queryOptions',
  'routes',
  'skipDataQuery',
  'state',
  'streaming',
  'tracing',
  'type',
];
const INFO = ['author', 'build', 'description', 'keywords', 'links', 'logos', 'screenshots', 'updated', 'version'];

describe('plugin.json', () => {
  it('declares the backend data source with alerting, annotations, logs and metrics', () => {
    expect(plugin).toMatchObject({
      type: 'datasource',
      name: 'Audit Log',
      id: 'auditlens-auditlog-datasource',
      executable: 'gpx_auditlog',
      backend: true,
      alerting: true,
      annotations: true,
      logs: true,
      metrics: true,
      dependencies: { grafanaDependency: '>=12.3.0' },
    });
    expect(plugin.info.author.name).toBe('Auditlens');
    expect(plugin.info.description.length).toBeGreaterThan(20);
    for (const k of ['audit', 'activity log', 'domo', 'domino', 'datafold', 'thousandeyes']) {
      expect(plugin.info.keywords).toContain(k);
    }
  });

  it('satisfies the schema: known keys, id and version patterns, required fields', () => {
    for (const k of Object.keys(plugin)) {
      expect(TOP_LEVEL).toContain(k);
    }
    for (const k of Object.keys(plugin.info)) {
      expect(INFO).toContain(k);
    }
    for (const k of ['type', 'name', 'id', 'info', 'dependencies']) {
      expect(plugin).toHaveProperty(k);
    }
    for (const k of ['logos', 'version', 'updated', 'keywords']) {
      expect(plugin.info).toHaveProperty(k);
    }
    expect(plugin.id).toMatch(/^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/);
    expect(plugin.info.version).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)|(%VERSION%)$/);
    expect(plugin.info.updated).toMatch(/^(\d{4}-\d{2}-\d{2}|%TODAY%)$/);
    expect(plugin.dependencies.grafanaDependency).toMatch(
      /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)(\.[0-9x*]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x]+)(\.[0-9x]+))?$/
    );
    expect(['tsdb', 'logging', 'cloud', 'tracing', 'profiling', 'sql', 'enterprise', 'iot', 'other']).toContain(
      plugin.category
    );
    expect(plugin.info.keywords.length).toBeGreaterThan(0);
  });

  it('links to the documentation and the issues page', () => {
    expect(plugin.info.links).toEqual([
      { name: 'Documentation', url: DOCS_URL },
      { name: 'Report an issue', url: ISSUES_URL },
    ]);
  });

  it('includes the Audit overview dashboard, which the build copies into the plugin', () => {
    expect(plugin.includes).toEqual([
      { type: 'dashboard', name: 'Audit overview', path: 'dashboards/audit-overview.json' },
    ]);
    for (const inc of plugin.includes) {
      // Relative to the plugin folder: src/ here, dist/ once built.
      const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, inc.path), 'utf8'));
      expect(dashboard.title).toBe(inc.name);
    }
    // The build copies every JSON file under src/ to dist/ (create-plugin's copy patterns).
    const copy = fs.readFileSync(path.join(__dirname, '..', '.config', 'bundler', 'copyFiles.ts'), 'utf8');
    expect(copy).toContain("{ from: '**/*.json', to: '.' }");
  });
});
