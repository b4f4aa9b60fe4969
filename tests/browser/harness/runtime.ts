/**
 * What Grafana's runtime provides to a plugin, and nothing more: the backend
 * service (whose fetch carries DataSourceWithBackend.getResource to the
 * plugin's resource routes, and callHealthCheck to Grafana's health API)
 * and the template service (dashboard variables).
 * The real @grafana/runtime is bundled; only these two services are set.
 */
import { TypedVariableModel } from '@grafana/data';
import {
  BackendSrv,
  BackendSrvRequest,
  FetchResponse,
  setBackendSrv,
  setTemplateSrv,
  TemplateSrv,
} from '@grafana/runtime';
import { Observable } from 'rxjs';

import {
  cannedLookup,
  CannedKind,
  DATASOURCE_UID,
  ENABLED_PROVIDERS,
  FAILING_LOOKUP,
  FAILING_LOOKUP_ERROR,
  HEALTH,
  LOOKUP_DELAY_MS,
  PROVIDER_LABELS,
} from './fixtures';
import { record } from './record';

interface Answer {
  status: number;
  data: unknown;
}

/** The plugin's resource routes, answered from the fixtures. */
function resource(path: string, params: Record<string, string>): Answer {
  if (path === 'providers') {
    return { status: 200, data: ENABLED_PROVIDERS.map((id) => ({ value: id, label: PROVIDER_LABELS[id] })) };
  }
  if (path === 'events' || path === 'users' || path === 'objectTypes') {
    const provider = params.provider || 'all';
    if (path === FAILING_LOOKUP.kind && provider === FAILING_LOOKUP.provider) {
      return { status: FAILING_LOOKUP.status, data: { error: FAILING_LOOKUP_ERROR } };
    }
    const found = cannedLookup(path as CannedKind, provider);
    if (!found) {
      return { status: 400, data: { error: `provider: unknown provider "${provider}"` } };
    }
    return { status: 200, data: found };
  }
  return { status: 404, data: { error: `no route for ${path}` } };
}

function stringParams(params: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (params && typeof params === 'object') {
    for (const [k, v] of Object.entries(params)) {
      out[k] = String(v);
    }
  }
  return out;
}

const RESOURCE_PREFIX = `/api/datasources/uid/${DATASOURCE_UID}/resources/`;
const HEALTH_URL = `/api/datasources/uid/${DATASOURCE_UID}/health`;

/** Grafana's health API for the data source: the page's ?health= scenario (ok or failing). */
function health(): Answer {
  const scenario = new URLSearchParams(window.location.search).get('health') === 'failing' ? 'failing' : 'ok';
  return { status: HEALTH[scenario].status, data: HEALTH[scenario].body };
}

function fetchAnswer<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable<FetchResponse<T>>((subscriber) => {
    const params = stringParams(options.params);
    const query = new URLSearchParams(params).toString();
    record('requests', `${options.method ?? 'GET'} ${options.url}${query ? `?${query}` : ''}`);
    const answer: Answer = options.url.startsWith(RESOURCE_PREFIX)
      ? resource(options.url.slice(RESOURCE_PREFIX.length), params)
      : options.url === HEALTH_URL
        ? health()
        : { status: 404, data: { message: 'Not found' } };
    let timer: ReturnType<typeof setTimeout>;
    const reply = () => {
      if (window.__harness.holdLookups) {
        timer = setTimeout(reply, 20);
        return;
      }
      const response = {
        data: answer.data as T,
        status: answer.status,
        statusText: answer.status === 200 ? 'OK' : 'Error',
        ok: answer.status === 200,
        headers: new Headers({ 'content-type': 'application/json' }),
        redirected: false,
        type: 'basic',
        url: options.url,
        config: options,
      } as FetchResponse<T>;
      if (answer.status >= 400) {
        // Grafana's backendSrv rejects with a FetchError: { status, data, statusText, config }.
        subscriber.error({ ...response, isHandled: false });
      } else {
        subscriber.next(response);
        subscriber.complete();
      }
    };
    timer = setTimeout(reply, LOOKUP_DELAY_MS);
    return () => clearTimeout(timer);
  });
}

const backendSrv = {
  fetch: fetchAnswer,
  datasourceRequest: (options: BackendSrvRequest) =>
    new Promise((resolve, reject) => fetchAnswer(options).subscribe({ next: resolve, error: reject })),
  request: (options: BackendSrvRequest) =>
    new Promise((resolve, reject) => fetchAnswer(options).subscribe({ next: (r) => resolve(r.data), error: reject })),
  get: (url: string, params?: Record<string, unknown>) =>
    new Promise((resolve, reject) =>
      fetchAnswer({ url, params, method: 'GET' }).subscribe({ next: (r) => resolve(r.data), error: reject })
    ),
} as unknown as BackendSrv;

/** Two dashboard variables, as a dashboard with the chained provider / user variables has. */
const EDITOR_VARIABLES = [
  { name: 'provider', type: 'query', current: { text: 'Cisco ThousandEyes', value: 'thousandeyes' } },
  { name: 'user', type: 'query', current: { text: 'All', value: '$__all' } },
] as unknown as TypedVariableModel[];

const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\${(\w+)(?:\.[^:^}]+)?(?::[^}]+)?}/g;

/** Grafana's template service over a fixed set of variables and their current values. */
function templateSrvOf(variables: TypedVariableModel[]): TemplateSrv {
  return {
    getVariables: () => variables,
    replace: (target?: string, _scopedVars?: unknown, format?: unknown) =>
      (target ?? '').replace(VARIABLE_RE, (whole, a?: string, b?: string, c?: string) => {
        const v = variables.find((x) => x.name === (a ?? b ?? c)) as { current?: { value?: unknown } } | undefined;
        if (!v) {
          return whole;
        }
        const value = v.current?.value;
        return typeof format === 'function' ? String((format as (v: unknown) => unknown)(value)) : String(value ?? '');
      }),
    containsTemplate: (target?: string) => !!target && /\$\w+|\[\[\w+|\${\w+/.test(target),
    updateTimeRange: () => undefined,
  } as unknown as TemplateSrv;
}

/**
 * Installs the services. The editors get two fixed variables; the dashboard
 * page passes the dashboard's own (templating.list, with their saved values).
 */
export function installRuntime(variables: TypedVariableModel[] = EDITOR_VARIABLES) {
  setBackendSrv(backendSrv);
  setTemplateSrv(templateSrvOf(variables));
}
