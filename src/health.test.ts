/**
 * Save & test through the real @grafana/runtime: DataSourceWithBackend's
 * callHealthCheck runs; only the HTTP call to Grafana's health API
 * (GET /api/datasources/uid/<uid>/health) is answered here.
 */
import fs from 'fs';
import path from 'path';
import { BackendSrv, BackendSrvRequest, HealthCheckError, setBackendSrv } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';

import { DataSource } from './datasource';
import { healthProviders, shownHealthDetails } from './health';
import { instanceSettings } from './testUtils';

const PROVIDERS = [
  { id: 'domo', label: 'Domo', ok: true, message: 'connected to acme.domo.com and read the audit log' },
  { id: 'datafold', label: 'Datafold', ok: true, message: 'connected to app.datafold.com and read the audit log' },
  {
    id: 'thousandeyes',
    label: 'Cisco ThousandEyes',
    ok: false,
    message: 'thousandeyes: 401 Unauthorized: the user API token was refused',
    setting: 'thousandeyesToken',
  },
];

const VERBOSE = [
  'Domo: OK — connected to acme.domo.com and read the audit log',
  'Datafold: OK — connected to app.datafold.com and read the audit log',
  'Cisco ThousandEyes: FAILED — thousandeyes: 401 Unauthorized: the user API token was refused',
].join('\n');

/** Grafana's health API: 200 with the result when OK, 400 with it otherwise (as a FetchError). */
function answer(status: number, data: unknown) {
  const requests: BackendSrvRequest[] = [];
  setBackendSrv({
    fetch: (req: BackendSrvRequest): Observable<unknown> => {
      requests.push(req);
      return status < 400
        ? of({ status, ok: true, data, headers: new Headers(), config: req })
        : throwError(() => ({ status, statusText: 'Bad Request', data, config: req }));
    },
  } as unknown as BackendSrv);
  return requests;
}

const ds = () => new DataSource(instanceSettings({ providers: { domo: { enabled: true } } }));

describe('testDatasource (Save & test)', () => {
  it('asks Grafana for the health check of this data source', async () => {
    const requests = answer(200, { status: 'OK', message: '1 of 1 providers working', details: {} });
    await ds().testDatasource();
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/datasources/uid/audit-uid/health']);
  });

  it('keeps the per-provider lines on success, which Grafana would drop', async () => {
    const ok = PROVIDERS.map((p) => ({ ...p, ok: true }));
    const verbose = ok.map((p) => `${p.label}: OK — ${p.message}`).join('\n');
    answer(200, {
      status: 'OK',
      message: '3 of 3 providers working',
      details: { message: 'Every provider answered.', verboseMessage: verbose, providers: ok },
    });
    await expect(ds().testDatasource()).resolves.toEqual({
      status: 'success',
      message: '3 of 3 providers working',
      details: { message: 'Every provider answered.', verboseMessage: verbose },
    });
  });

  it('rejects a failed check like Grafana does, with the details where its page looks for them', async () => {
    const details = {
      message: 'Cisco ThousandEyes: the user API token was refused; paste a new one in its section.',
      verboseMessage: VERBOSE,
      providers: PROVIDERS,
    };
    answer(400, { status: 'ERROR', message: '2 of 3 providers working — Cisco ThousandEyes failed', details });
    const err = await ds()
      .testDatasource()
      .then(
        () => undefined,
        (e: unknown) => e as { status: string; message: string; error: HealthCheckError }
      );
    expect(err).toMatchObject({ status: 'error', message: '2 of 3 providers working — Cisco ThousandEyes failed' });
    // Grafana's parseHealthCheckError reads message and details from a HealthCheckError.
    expect(err?.error).toBeInstanceOf(HealthCheckError);
    expect(err?.error.message).toBe('2 of 3 providers working — Cisco ThousandEyes failed');
    expect(err?.error.details).toEqual(details);
  });

  it('builds the lines from the providers when the backend sends only those', async () => {
    answer(400, { status: 'ERROR', message: '2 of 3 providers working', details: { providers: PROVIDERS } });
    const err = await ds()
      .testDatasource()
      .catch((e: { error: HealthCheckError }) => e);
    expect((err as { error: HealthCheckError }).error.details).toEqual({
      providers: PROVIDERS,
      message: 'Cisco ThousandEyes: thousandeyes: 401 Unauthorized: the user API token was refused',
      verboseMessage: VERBOSE,
    });
  });

  it('succeeds without details when the backend sends none', async () => {
    answer(200, { status: 'OK', message: 'Data source is working' });
    await expect(ds().testDatasource()).resolves.toEqual({ status: 'success', message: 'Data source is working' });
  });

  it('says so when Grafana cannot reach the plugin', async () => {
    answer(500, { message: 'Plugin unavailable' });
    await expect(ds().testDatasource()).rejects.toMatchObject({ status: 'error', message: 'Plugin unavailable' });
    answer(502, undefined);
    await expect(ds().testDatasource()).rejects.toMatchObject({
      status: 'error',
      message: 'The health check failed: the plugin did not answer.',
    });
  });
});

describe('health details', () => {
  it('skip malformed provider entries', () => {
    expect(healthProviders({ providers: [PROVIDERS[0], { id: 'x' }, null, 'domo'] })).toEqual([PROVIDERS[0]]);
    expect(healthProviders(undefined)).toEqual([]);
  });

  it('show nothing for empty details', () => {
    expect(shownHealthDetails({})).toBeUndefined();
    expect(shownHealthDetails({ message: ' ', providers: [] })).toBeUndefined();
  });
});

describe('the Go contract (pkg/plugin/health.go)', () => {
  const src = fs.readFileSync(path.join(__dirname, '..', 'pkg', 'plugin', 'health.go'), 'utf8');

  it('details hold message, verboseMessage and providers', () => {
    for (const key of ['message', 'verboseMessage', 'providers']) {
      expect(src).toMatch(new RegExp(`"${key}":\\s`));
    }
  });

  it("a provider's line has the fields this side reads, and is written as providerLine writes it", () => {
    for (const tag of ['id', 'label', 'ok', 'message', 'setting,omitempty']) {
      expect(src).toContain(`json:"${tag}"`);
    }
    expect(src).toContain('fmt.Sprintf("%s: %s — %s", r.Label, mark, r.Message)');
  });
});
