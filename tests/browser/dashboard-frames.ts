/**
 * The real data of the provisioned dashboard for the harness's dashboard
 * page: `go run ./cmd/dashframes` runs every panel's queries through the
 * plugin's Go backend against the vendor simulator (in-process, the demo's
 * data set) and writes the backend's responses to
 * tests/browser/.build/frames/<dashboard uid>.json, served at /frames/.
 *
 * The data source is the provisioned one (provisioning/datasources/*.yml,
 * read here because the Go side has no YAML parser), its providers pointed
 * at the simulator by the command.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

import { FRAMES_DIR, ROOT } from './build';
import { HARNESS_NOW } from './harness/fixtures';

/** The dashboard of the README's screenshot (the one the plugin ships), and the page width it is laid out for. */
export const DASHBOARD_FILE = path.join(ROOT, 'src/dashboards/audit-overview.json');
export const DASHBOARD_WIDTH = 1600;
/**
 * The dashboard's "now". The simulator's data is seeded and ends at "now",
 * so a fixed one gives the same data, and the same screenshot, on every run.
 */
export const DASHBOARD_NOW = HARNESS_NOW;

type Obj = Record<string, any>;

/** The provisioned data source with this uid, from any file under provisioning/datasources. */
function provisionedDataSource(uid: string): Obj {
  const dir = path.join(ROOT, 'provisioning/datasources');
  for (const name of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
    const file: Obj = parse(fs.readFileSync(path.join(dir, name), 'utf8')) ?? {};
    const found = (file.datasources ?? []).find((d: Obj) => d.uid === uid);
    if (found) {
      return found;
    }
  }
  throw new Error(`no data source with uid ${uid} under ${dir}`);
}

/**
 * The uid of the data source the dashboard's panels read: a fixed uid, or
 * its data source variable (${ds}) at the variable's saved value.
 */
export function dashboardDataSourceUid(dashboard: Obj): string | undefined {
  const ref: string | undefined = (dashboard.panels ?? []).find((p: Obj) => p.datasource?.uid)?.datasource.uid;
  const variable = /^\$\{?(\w+)\}?$/.exec(ref ?? '')?.[1];
  if (!variable) {
    return ref;
  }
  const v = (dashboard.templating?.list ?? []).find((x: Obj) => x.name === variable && x.type === 'datasource');
  return typeof v?.current?.value === 'string' ? v.current.value : undefined;
}

/** Writes the frames file and returns its path. */
export async function writeDashboardFrames(): Promise<string> {
  const dashboard: Obj = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8'));
  const uid = dashboardDataSourceUid(dashboard);
  if (!uid) {
    throw new Error(`${DASHBOARD_FILE}: no panel names a data source (or its data source variable has no value)`);
  }
  fs.mkdirSync(FRAMES_DIR, { recursive: true });
  const dsFile = path.join(FRAMES_DIR, `${uid}.datasource.json`);
  fs.writeFileSync(dsFile, JSON.stringify(provisionedDataSource(uid)));
  const out = path.join(FRAMES_DIR, `${dashboard.uid}.json`);
  fs.rmSync(out, { force: true });
  const args = ['run', './cmd/dashframes', '-dashboard', DASHBOARD_FILE, '-datasource', dsFile, '-out', out];
  try {
    await promisify(execFile)('go', [...args, '-width', String(DASHBOARD_WIDTH), '-now', DASHBOARD_NOW], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`go ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
  return out;
}
