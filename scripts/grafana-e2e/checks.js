// The checks of scripts/grafana-e2e.sh: the plugin inside a running Grafana
// server, through Grafana's HTTP API only (as the frontend and the alerting
// engine use it), against the vendor simulator. Prints "ok: ..." or
// "FAIL: ..." per check and "N passed, N failed"; exits 1 on a failure.
//
// Environment: GRAFANA_URL, SIM_URL (the simulator, for its ground truth at
// /_sim/truth and its data span at /_sim/health), ALERT_TIMEOUT (seconds).
// Needs Node 18+ (fetch).
const G = process.env.GRAFANA_URL || 'http://127.0.0.1:3000';
const SIM = process.env.SIM_URL || 'http://127.0.0.1:8099';
const ALERT_TIMEOUT = Number(process.env.ALERT_TIMEOUT || 180);

const PLUGIN = 'auditlens-auditlog-datasource';
const DS = 'audit-log-sim';
const DASHBOARD = 'audit-overview';
const RULE_UID = 'audit-failed-logins';
const RULE_TITLE = 'Failed login burst';
const PROVIDERS = ['domo', 'domo-platform', 'domino', 'datafold', 'thousandeyes'];
const HOUR = 3600 * 1000;

let passed = 0;
let failed = 0;

async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    passed++;
    console.log(`ok: ${name}${detail ? ` — ${detail}` : ''} [${((Date.now() - t0) / 1000).toFixed(1)} s]`);
  } catch (e) {
    failed++;
    console.log(`FAIL: ${name}: ${e.message}`);
    if (process.env.DEBUG) {
      console.log(e.stack);
    }
  }
}

function assert(cond, msg) {
  if (!cond) {
    throw new Error(msg);
  }
}

function short(v) {
  const s = typeof v === 'string' ? v : String(JSON.stringify(v));
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

async function http(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

// getJSON fetches a Grafana API path and insists on status 200.
async function getJSON(path) {
  const r = await http('GET', G + path);
  assert(r.status === 200 && r.json !== undefined, `GET ${path}: ${r.status} ${short(r.text)}`);
  return r.json;
}

// query posts /api/ds/query and returns its results by refId.
async function query(range, queries) {
  const body = {
    from: String(range.from),
    to: String(range.to),
    queries: queries.map((q) => ({
      datasource: { type: PLUGIN, uid: DS },
      intervalMs: HOUR,
      maxDataPoints: 1000,
      ...q,
    })),
  };
  const r = await http('POST', `${G}/api/ds/query`, body);
  assert(r.json && r.json.results, `POST /api/ds/query: ${r.status} ${short(r.text)}`);
  return { status: r.status, results: r.json.results };
}

// ok returns the frames of a refId that must have succeeded.
function ok(res, refId) {
  const r = res.results[refId];
  assert(r, `no result for refId ${refId}`);
  assert(!r.error && (r.status === undefined || r.status === 200), `refId ${refId}: ${r.status} ${short(r.error)}`);
  assert(Array.isArray(r.frames) && r.frames.length > 0, `refId ${refId}: no frames`);
  return r.frames;
}

const fieldNames = (frame) => frame.schema.fields.map((f) => f.name);
const rowCount = (frame) => (frame.data && frame.data.values.length ? frame.data.values[0].length : 0);
function column(frame, name) {
  const i = fieldNames(frame).indexOf(name);
  assert(i >= 0, `frame has no field ${name} (${fieldNames(frame).join(', ')})`);
  return frame.data.values[i];
}

// seriesTotal sums every numeric field of every time series frame and
// checks each one's shape: a time field, number fields with a provider label.
function seriesTotal(frames) {
  let total = 0;
  let series = 0;
  for (const f of frames) {
    const fields = f.schema.fields;
    assert(
      fields.some((x) => x.type === 'time'),
      `time series frame without a time field: ${fieldNames(f)}`
    );
    fields.forEach((x, i) => {
      if (x.type !== 'number') {
        return;
      }
      series++;
      assert(x.labels && x.labels.provider, `series ${x.name} has no provider label: ${short(x.labels)}`);
      total += (f.data.values[i] || []).reduce((a, b) => a + (b || 0), 0);
    });
  }
  assert(series > 0, 'no numeric series');
  return { total, series };
}

// truth returns the events the simulator holds for a provider in [from, to)
// that the data source can see: for ThousandEyes only its account group (the
// simulator also holds other account groups' events).
let teAccountGroup = '1234';
async function truth(provider, range) {
  const r = await http('GET', `${SIM}/_sim/truth?provider=${provider}&from=${range.from}&to=${range.to}`);
  assert(r.status === 200 && Array.isArray(r.json), `simulator truth for ${provider}: ${r.status}`);
  return provider === 'thousandeyes' ? r.json.filter((e) => e.raw.aid === teAccountGroup) : r.json;
}

async function main() {
  // The simulator's data span: 7 days ending when it started. Queries use a
  // fixed range in its settled past (older than the plugin's 5 minute settle
  // delay), given as epoch milliseconds, so that the counts are exact.
  const sim = (await http('GET', `${SIM}/_sim/health`)).json;
  const end = Date.parse(sim.end);
  const burst = { from: Date.parse(sim.burst.from), to: Date.parse(sim.burst.to) };
  const range = { from: end - 30 * HOUR, to: end - 6 * HOUR }; // 24 h holding the failed-login burst
  console.log(
    `simulator data ${sim.start} .. ${sim.end}, burst ${sim.burst.from} .. ${sim.burst.to}; ` +
      `query range ${new Date(range.from).toISOString()} .. ${new Date(range.to).toISOString()}`
  );
  assert(range.from < burst.from && burst.to < range.to, 'the burst is not inside the query range');

  await check('Grafana is up (GET /api/health)', async () => {
    const h = await getJSON('/api/health');
    assert(h.database === 'ok', `database: ${h.database}`);
    return `version ${h.version}, commit ${h.commit}`;
  });

  await check(`plugin loaded (GET /api/plugins/${PLUGIN}/settings)`, async () => {
    const p = await getJSON(`/api/plugins/${PLUGIN}/settings`);
    assert(p.id === PLUGIN && p.type === 'datasource', `id ${p.id}, type ${p.type}`);
    return `"${p.name}" ${p.info && p.info.version}, signature ${p.signature}`;
  });

  await check(`data source provisioned (GET /api/datasources/uid/${DS})`, async () => {
    const d = await getJSON(`/api/datasources/uid/${DS}`);
    assert(d.type === PLUGIN, `type ${d.type}`);
    teAccountGroup = d.jsonData.providers?.thousandeyes?.accountGroupId || teAccountGroup;
    const enabled = PROVIDERS.filter((id) => d.jsonData.providers?.[id]?.enabled);
    assert(enabled.length === 5, `enabled providers: ${enabled.join(', ')}`);
    const secrets = Object.keys(d.secureJsonFields || {}).filter((k) => d.secureJsonFields[k]);
    assert(secrets.length === 5, `secrets set: ${secrets.join(', ')}`);
    assert(!JSON.stringify(d).includes('sim-te-token'), 'a secret is readable through the API');
    return `"${d.name}", ${enabled.length} providers, ${secrets.length} secrets (encrypted), readOnly ${d.readOnly}`;
  });

  await check(`health OK, all five providers OK (GET /api/datasources/uid/${DS}/health)`, async () => {
    const h = await getJSON(`/api/datasources/uid/${DS}/health`);
    assert(h.status === 'OK', `status ${h.status}: ${h.message}`);
    const list = h.details && h.details.providers;
    assert(Array.isArray(list), `no per-provider details: ${short(h)}`);
    const good = list.filter((p) => p.ok).map((p) => p.id);
    assert(
      PROVIDERS.every((id) => good.includes(id)),
      `providers OK: ${good.join(', ')}; ${short(list.filter((p) => !p.ok))}`
    );
    return h.message.split('. ')[0];
  });

  await check(`resource providers (GET .../resources/providers)`, async () => {
    const list = await getJSON(`/api/datasources/uid/${DS}/resources/providers`);
    const ids = list.map((o) => o.value);
    assert(
      PROVIDERS.every((id) => ids.includes(id)),
      `got ${short(list)}`
    );
    return list.map((o) => `${o.value}=${o.label}`).join(', ');
  });

  await check(`resource events of thousandeyes (GET .../resources/events?provider=thousandeyes&from&to)`, async () => {
    const list = await getJSON(
      `/api/datasources/uid/${DS}/resources/events?provider=thousandeyes&from=${range.from}&to=${range.to}`
    );
    const names = list.map((o) => o.value);
    assert(names.includes('Login failed.'), `no "Login failed." in ${short(names)}`);
    return `${names.length} event names, most frequent first: ${names.slice(0, 3).join(', ')}`;
  });

  // Table, time series and logs of one provider, and the same counts.
  let domoRows = 0;
  await check('query table (domo): rows = simulator ground truth, expected columns', async () => {
    const frames = ok(await query(range, [{ refId: 'A', provider: 'domo', format: 'table' }]), 'A');
    assert(frames.length === 1, `${frames.length} frames`);
    const f = frames[0];
    for (const name of ['time', 'provider', 'user', 'event', 'raw']) {
      column(f, name);
    }
    domoRows = rowCount(f);
    const want = (await truth('domo', range)).length;
    assert(domoRows > 0 && domoRows === want, `${domoRows} rows, the simulator holds ${want}`);
    const times = column(f, 'time');
    assert(
      times.every((t, i) => i === 0 || times[i - 1] >= t),
      'rows are not newest first'
    );
    assert(
      times.every((t) => t >= range.from && t < range.to),
      'a row outside the range'
    );
    return `${domoRows} rows, ${fieldNames(f).length} columns: ${fieldNames(f).join(', ')}`;
  });

  await check('query timeseries (domo): counts with labels, sum = table rows', async () => {
    const frames = ok(
      await query(range, [{ refId: 'A', provider: 'domo', format: 'timeseries', groupBy: 'event', limit: 5 }]),
      'A'
    );
    const { total, series } = seriesTotal(frames);
    assert(total === domoRows, `counts add up to ${total}, the table has ${domoRows} rows`);
    const meta = frames[0].schema.meta || {};
    return `${series} series (top 5 events + other), ${rowCount(frames[0])} hourly points, sum ${total}, frame type ${meta.type}`;
  });

  await check('query logs (domo): log frame for Explore', async () => {
    const frames = ok(await query(range, [{ refId: 'A', provider: 'domo', format: 'logs' }]), 'A');
    const f = frames[0];
    const meta = f.schema.meta || {};
    assert(meta.preferredVisualisationType === 'logs', `preferredVisualisationType ${meta.preferredVisualisationType}`);
    for (const name of ['timestamp', 'body', 'severity']) {
      column(f, name);
    }
    assert(rowCount(f) === domoRows, `${rowCount(f)} lines, the table has ${domoRows} rows`);
    return `${rowCount(f)} lines, meta.type ${meta.type}, fields ${fieldNames(f).join(', ')}`;
  });

  await check('query table, provider "all": every provider, rows = ground truth', async () => {
    const frames = ok(await query(range, [{ refId: 'A', provider: 'all', format: 'table' }]), 'A');
    const f = frames[0];
    const seen = new Set(column(f, 'provider'));
    assert(
      PROVIDERS.every((id) => seen.has(id)),
      `providers in the table: ${[...seen].join(', ')}`
    );
    let want = 0;
    for (const id of PROVIDERS) {
      want += (await truth(id, range)).length;
    }
    assert(rowCount(f) === want, `${rowCount(f)} rows, the simulator holds ${want}`);
    return `${rowCount(f)} rows from ${seen.size} providers`;
  });

  await check('query with a filter (thousandeyes, events ["Login failed."]): table, time series by user', async () => {
    const q = { provider: 'thousandeyes', events: ['Login failed.'] };
    const res = await query(range, [
      { refId: 'T', format: 'table', ...q },
      { refId: 'S', format: 'timeseries', groupBy: 'user', limit: 50, ...q },
    ]);
    const f = ok(res, 'T')[0];
    const evs = column(f, 'event');
    assert(evs.length > 0 && evs.every((e) => e === 'Login failed.'), `events: ${short([...new Set(evs)])}`);
    const want = (await truth('thousandeyes', range)).filter((e) => e.event === 'Login failed.').length;
    assert(evs.length === want, `${evs.length} rows, the simulator holds ${want}`);
    const { total, series } = seriesTotal(ok(res, 'S'));
    assert(total === evs.length, `time series sum ${total}, table ${evs.length} rows`);
    return `${evs.length} failed logins (= ground truth), ${series} user series summing to ${total}`;
  });

  await check('unknown provider: an error for its refId only, the other refId answers', async () => {
    const res = await query(range, [
      { refId: 'BAD', provider: 'no-such-vendor', format: 'table' },
      { refId: 'GOOD', provider: 'datafold', format: 'table' },
    ]);
    const bad = res.results.BAD;
    assert(bad && bad.error, `BAD has no error: ${short(bad)}`);
    assert(/no-such-vendor/.test(bad.error), `the error does not name the provider: ${bad.error}`);
    const good = ok(res, 'GOOD');
    assert(rowCount(good[0]) > 0, 'GOOD has no rows');
    return `BAD: ${bad.status} "${short(bad.error)}"; GOOD: ${rowCount(good[0])} rows; HTTP ${res.status}`;
  });

  await check(`dashboard provisioned (GET /api/dashboards/uid/${DASHBOARD})`, async () => {
    const d = await getJSON(`/api/dashboards/uid/${DASHBOARD}`);
    assert(d.dashboard.title === 'Audit overview', `title ${d.dashboard.title}`);
    // meta.provisioned stays false with allowUiUpdates: true; the file name is kept.
    assert(
      d.meta.provisionedExternalId === 'audit-overview.json',
      `provisionedExternalId ${d.meta.provisionedExternalId}`
    );
    const panels = d.dashboard.panels || [];
    const onDs = panels.filter((p) => JSON.stringify(p).includes(DS)).length;
    assert(onDs > 0, 'no panel uses the data source');
    return `"${d.dashboard.title}" from ${d.meta.provisionedExternalId} in folder "${d.meta.folderTitle}", ${panels.length} panels (${onDs} on ${DS})`;
  });

  await check(`alert rule provisioned (GET /api/v1/provisioning/alert-rules/${RULE_UID})`, async () => {
    const r = await getJSON(`/api/v1/provisioning/alert-rules/${RULE_UID}`);
    assert(r.title === RULE_TITLE, `title ${r.title}`);
    const a = r.data.find((q) => q.refId === 'A');
    assert(a && a.datasourceUid === DS, `query A is not on ${DS}`);
    return `"${r.title}" in group "${r.ruleGroup}", provenance ${r.provenance}, condition ${r.condition}`;
  });

  // What the rule must find, from the simulator's ground truth: each user's
  // largest count of ThousandEyes failed logins in one 15-minute bucket
  // (aligned to the epoch) over the last 7 days; it fires where that is > 5.
  const now = Date.now();
  const perBucket = new Map();
  for (const e of await truth('thousandeyes', { from: now - 7 * 24 * HOUR, to: now })) {
    if (e.event === 'Login failed.') {
      const k = `${e.user}\t${Math.floor(Date.parse(e.time) / 900000)}`;
      perBucket.set(k, (perBucket.get(k) || 0) + 1);
    }
  }
  const maxPerUser = new Map();
  for (const [k, n] of perBucket) {
    const user = k.split('\t')[0];
    maxPerUser.set(user, Math.max(n, maxPerUser.get(user) || 0));
  }
  const expected = new Map([...maxPerUser].filter(([, n]) => n > 5));
  const expectedText = [...expected].map(([u, n]) => `${u}=${n}`).join(', ');

  await check(
    `alert rule "${RULE_TITLE}" fires for the burst's users (polling /api/prometheus/grafana/api/v1/rules, up to ${ALERT_TIMEOUT} s)`,
    async () => {
      const t0 = Date.now();
      let rule;
      let last = '';
      while (Date.now() - t0 < ALERT_TIMEOUT * 1000) {
        const body = await getJSON('/api/prometheus/grafana/api/v1/rules');
        rule = body.data.groups.flatMap((g) => g.rules).find((x) => x.name === RULE_TITLE);
        last = rule
          ? `state ${rule.state}, health ${rule.health}${rule.lastError ? `, error ${rule.lastError}` : ''}`
          : 'rule not listed';
        if (rule && rule.state === 'firing') {
          break;
        }
        await new Promise((r) => setTimeout(r, 5000));
      }
      assert(rule && rule.state === 'firing', `not firing after ${ALERT_TIMEOUT} s: ${last}`);
      assert(rule.health === 'ok', `health ${rule.health} ${rule.lastError || ''}`);
      const users = (rule.alerts || []).filter((a) => /^alerting/i.test(a.state)).map((a) => a.labels.user);
      assert(
        users.length === expected.size && users.every((u) => expected.has(u)),
        `firing for ${users.join(', ')}; the simulator's data say ${expectedText}`
      );
      const waited = ((Date.now() - t0) / 1000).toFixed(0);
      return `firing after ${waited} s of polling (last evaluation ${rule.lastEvaluation}), ${users.length} instances: ${users.join(', ')}`;
    }
  );

  await check('alert instances carry the counts (GET /api/prometheus/grafana/api/v1/alerts)', async () => {
    const body = await getJSON('/api/prometheus/grafana/api/v1/alerts');
    const mine = body.data.alerts.filter((a) => a.labels.alertname === RULE_TITLE && /^alerting/i.test(a.state));
    assert(mine.length === expected.size, `${mine.length} alerting instances, want ${expected.size}`);
    // The description is expanded from {{ $labels.user }} and {{ $values.B.Value }}
    // (B = the user's largest 15-minute bucket): compare it with the truth.
    const got = mine.map((a) => {
      const m = /had (\d+) failed/.exec(a.annotations.description || '');
      assert(a.labels.severity === 'warning', `labels ${short(a.labels)}`);
      assert(a.annotations.summary === `Failed login burst for ${a.labels.user}`, `summary ${a.annotations.summary}`);
      assert(m, `description not expanded: ${a.annotations.description}`);
      return [a.labels.user, Number(m[1])];
    });
    assert(
      got.every(([u, n]) => expected.get(u) === n),
      `counts ${got.map(([u, n]) => `${u}=${n}`).join(', ')}; the simulator's data say ${expectedText}`
    );
    return `largest 15-minute count per user = ground truth: ${got.map(([u, n]) => `${u}=${n}`).join(', ')}`;
  });
}

main()
  .catch((e) => {
    failed++;
    console.log(`FAIL: ${e.stack || e}`);
  })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
  });
