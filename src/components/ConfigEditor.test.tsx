import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { ConfigEditor } from './ConfigEditor';
import { RESERVE_ERROR } from './LimitsSection';
import { DOCS_URL } from '../links';
import { PROVIDER_LIST, PROVIDERS } from '../providers';
import { REDIS_URL_ERRORS } from '../redis';
import { AuditDataSourceOptions, AuditSecureJsonData, PROVIDER_IDS, ProviderId } from '../types';

type Settings = DataSourceSettings<AuditDataSourceOptions, AuditSecureJsonData>;

function settings(
  jsonData: AuditDataSourceOptions = {},
  secureJsonFields: Record<string, boolean> = {},
  secureJsonData?: AuditSecureJsonData
): Settings {
  return {
    id: 1,
    uid: 'audit-uid',
    orgId: 1,
    name: 'Audit Log',
    type: 'auditlens-auditlog-datasource',
    typeName: 'Audit Log',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData,
    secureJsonFields,
    secureJsonData,
    readOnly: false,
    withCredentials: false,
    // `database` (deprecated, unused here) is left out.
  } as Settings;
}

function setup(options: Settings) {
  const onOptionsChange = jest.fn();
  render(<ConfigEditor options={options} onOptionsChange={onOptionsChange} />);
  return onOptionsChange;
}

/** The editor inside a parent that keeps the settings, like Grafana's settings page. */
function Stateful({ initial, spy }: { initial: Settings; spy: jest.Mock }) {
  const [options, setOptions] = useState(initial);
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(o) => {
        spy(o);
        setOptions(o);
      }}
    />
  );
}

const lastCall = (fn: jest.Mock): Settings => fn.mock.calls[fn.mock.calls.length - 1][0];

const allEnabled = () =>
  Object.fromEntries(PROVIDER_IDS.map((id) => [id, { enabled: true }])) as AuditDataSourceOptions['providers'];

const section = (id: ProviderId) => screen.getByTestId(`config-${id}-section`);

// The inputs each provider's section holds (besides its enable switch), by id suffix.
const EXPECTED_INPUTS: Record<ProviderId, string[]> = {
  domo: ['instance', 'url', 'secret', 'requestsPerMinute'],
  'domo-platform': ['clientId', 'url', 'secret', 'requestsPerMinute'],
  domino: ['url', 'authType', 'secret', 'requestsPerMinute'],
  datafold: ['region-region', 'secret', 'requestsPerMinute'],
  thousandeyes: ['accountGroupId', 'url', 'secret', 'requestsPerMinute'],
};

describe('ConfigEditor', () => {
  it('has a section per provider, enabled ones open with their fields', () => {
    setup(settings({ providers: { domo: { enabled: true, instance: 'acme' } } }));
    for (const p of PROVIDER_LIST) {
      expect(screen.getByText(p.label)).toBeInTheDocument();
    }
    expect(within(section('domo')).getByLabelText(/^Instance/)).toHaveValue('acme');
    // Closed sections render no content.
    expect(screen.queryByTestId('config-datafold-section')).not.toBeInTheDocument();
    expect(screen.queryByText(/No provider is enabled yet/)).not.toBeInTheDocument();
  });

  it('says when no provider is enabled', () => {
    setup(settings({}));
    expect(screen.getByText(/No provider is enabled yet/)).toBeInTheDocument();
  });

  it.each(PROVIDER_IDS.map((id) => [id]))('shows exactly the %s fields', (id) => {
    setup(settings({ providers: { [id]: { enabled: true } } }));
    const s = section(id as ProviderId);
    const prefix = `config-${id}-`;
    const ids = Array.from(s.querySelectorAll(`[id^="${prefix}"]`))
      .map((el) => el.id.slice(prefix.length))
      .filter((x) => x !== 'enabled');
    expect(new Set(ids)).toEqual(new Set(EXPECTED_INPUTS[id as ProviderId]));
    const info = PROVIDERS[id as ProviderId];
    expect(within(s).getByLabelText(new RegExp(`^${info.secretLabel}`))).toHaveAttribute('id', `${prefix}secret`);
    expect(within(s).getByText(info.secretHelp)).toBeInTheDocument();
  });

  it('hides the fields of a disabled provider once its section is opened', () => {
    setup(settings({ providers: {} }));
    fireEvent.click(screen.getByText('Domo'));
    const s = section('domo');
    expect(within(s).getByLabelText(/^Enable Domo/)).not.toBeChecked();
    expect(within(s).queryByLabelText(/^Instance/)).not.toBeInTheDocument();
  });

  it('enabling a provider writes providers.<id>.enabled and shows its fields', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ maxEvents: 5000 })} spy={spy} />);
    fireEvent.click(screen.getByText('Cisco ThousandEyes'));
    fireEvent.click(within(section('thousandeyes')).getByLabelText(/^Enable Cisco ThousandEyes/));
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 5000, providers: { thousandeyes: { enabled: true } } });
    fireEvent.change(within(section('thousandeyes')).getByLabelText(/^Account group ID/), {
      target: { value: '1234' },
    });
    expect(lastCall(spy).jsonData.providers).toStrictEqual({
      thousandeyes: { enabled: true, accountGroupId: '1234' },
    });
  });

  it('writes each provider setting under its own key', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ providers: allEnabled() })} spy={spy} />);
    fireEvent.change(within(section('domo')).getByLabelText(/^Instance/), { target: { value: 'acme' } });
    fireEvent.change(within(section('domo-platform')).getByLabelText(/^Client ID/), { target: { value: 'cid' } });
    fireEvent.change(within(section('domino')).getByLabelText(/^Domino Data Lab URL/), {
      target: { value: 'https://domino.example.com' },
    });
    fireEvent.click(within(section('domino')).getByLabelText(/^API key \(legacy\)/));
    fireEvent.click(within(section('datafold')).getByLabelText(/^EU/));
    fireEvent.change(within(section('thousandeyes')).getByLabelText(/^URL/), {
      target: { value: 'http://vendorsim:8080' },
    });
    expect(lastCall(spy).jsonData.providers).toStrictEqual({
      domo: { enabled: true, instance: 'acme' },
      'domo-platform': { enabled: true, clientId: 'cid' },
      domino: { enabled: true, url: 'https://domino.example.com', authType: 'apiKey' },
      datafold: { enabled: true, url: 'https://eu.datafold.com' },
      thousandeyes: { enabled: true, url: 'http://vendorsim:8080' },
    });
  });

  it('clearing a field removes its key', () => {
    const onChange = setup(settings({ providers: { domo: { enabled: true, instance: 'acme', url: 'http://x' } } }));
    fireEvent.change(within(section('domo')).getByLabelText(/^URL/), { target: { value: '' } });
    expect(lastCall(onChange).jsonData.providers).toStrictEqual({ domo: { enabled: true, instance: 'acme' } });
  });

  it('offers Datafold US, EU and a dedicated URL', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ providers: { datafold: { enabled: true } } })} spy={spy} />);
    const s = () => section('datafold');
    expect(within(s()).getByLabelText(/^US/)).toBeChecked();
    expect(within(s()).queryByLabelText(/^Datafold URL/)).not.toBeInTheDocument();
    fireEvent.click(within(s()).getByLabelText(/^Dedicated/));
    fireEvent.change(within(s()).getByLabelText(/^Datafold URL/), { target: { value: 'https://df.acme.com' } });
    expect(lastCall(spy).jsonData.providers?.datafold).toStrictEqual({ enabled: true, url: 'https://df.acme.com' });
    fireEvent.click(within(s()).getByLabelText(/^US/));
    expect(lastCall(spy).jsonData.providers?.datafold).toStrictEqual({
      enabled: true,
      url: 'https://app.datafold.com',
    });
  });

  it('shows a configured dedicated Datafold URL as such', () => {
    setup(settings({ providers: { datafold: { enabled: true, url: 'https://df.acme.com' } } }));
    expect(within(section('datafold')).getByLabelText(/^Dedicated/)).toBeChecked();
    expect(within(section('datafold')).getByLabelText(/^Datafold URL/)).toHaveValue('https://df.acme.com');
  });

  it('says what is wrong with a URL or a Domo instance, in the words of Save & test', () => {
    setup(
      settings({
        providers: {
          domo: { enabled: true, instance: 'acme.domo.com' },
          domino: { enabled: true, url: 'https://user:hunter2@domino.example.com' },
          thousandeyes: { enabled: true, url: 'ftp://x' },
        },
      })
    );
    expect(
      within(section('domo')).getByText(
        'Instance "acme.domo.com" should be only the name before .domo.com (acme for https://acme.domo.com)'
      )
    ).toBeInTheDocument();
    expect(
      within(section('domino')).getByText(
        'URL must not contain a user name or password; put credentials in the secret fields'
      )
    ).toBeInTheDocument();
    expect(within(section('thousandeyes')).getByText('URL "ftp://x" must start with https://')).toBeInTheDocument();
    expect(document.body.textContent).not.toContain('hunter2');
  });

  it("shows the vendors' host rules as the URL is typed", () => {
    render(<Stateful initial={settings({ providers: allEnabled() })} spy={jest.fn()} />);
    const url = (id: ProviderId, label: RegExp) => within(section(id)).getByLabelText(label);
    const error = (id: ProviderId) => within(section(id)).queryByRole('alert');

    // Plain http and a pasted endpoint on a vendor's host.
    fireEvent.change(url('thousandeyes', /^URL/), { target: { value: 'http://api.thousandeyes.com' } });
    expect(error('thousandeyes')).toHaveTextContent(
      "URL http://api.thousandeyes.com uses plain http, but api.thousandeyes.com is ThousandEyes' own host"
    );
    fireEvent.change(url('thousandeyes', /^URL/), {
      target: { value: 'https://api.thousandeyes.com/v7/audit-user-events' },
    });
    expect(error('thousandeyes')).toHaveTextContent('enter only https://api.thousandeyes.com');
    // The simulator over plain http is fine.
    fireEvent.change(url('thousandeyes', /^URL/), { target: { value: 'http://vendorsim:8099' } });
    expect(error('thousandeyes')).not.toBeInTheDocument();

    // Self-hosted Domino under a path prefix is fine; its API path is not.
    fireEvent.change(url('domino', /^Domino Data Lab URL/), { target: { value: 'https://tools.example.com/domino' } });
    expect(error('domino')).not.toBeInTheDocument();
    fireEvent.change(url('domino', /^Domino Data Lab URL/), {
      target: { value: 'https://tools.example.com/domino/api/audittrail/v1/auditevents' },
    });
    expect(error('domino')).toHaveTextContent('enter the base URL without it (https://tools.example.com/domino)');
    // Another vendor's host.
    fireEvent.change(url('domino', /^Domino Data Lab URL/), { target: { value: 'https://acme.domo.com' } });
    expect(error('domino')).toHaveTextContent("is Domo's host, not the Domino Data Lab API");

    // Domo's instance and platform hosts are not swapped; the instance gives the host.
    fireEvent.change(url('domo-platform', /^URL/), { target: { value: 'https://acme.domo.com' } });
    expect(error('domo-platform')).toHaveTextContent('is a Domo instance, not the platform API');
    fireEvent.change(url('domo', /^Instance/), { target: { value: 'www' } });
    expect(error('domo')).toHaveTextContent("URL https://www.domo.com is Domo's web site, not its API");

    // A dedicated Datafold URL is checked too.
    fireEvent.click(within(section('datafold')).getByLabelText(/^Dedicated/));
    fireEvent.change(url('datafold', /^Datafold URL/), { target: { value: 'https://www.datafold.com' } });
    expect(error('datafold')).toHaveTextContent("is Datafold's web site, not its API");
  });

  it('flags a secret pasted with spaces or line breaks', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ providers: { domo: { enabled: true, instance: 'acme' } } })} spy={spy} />);
    const token = within(section('domo')).getByLabelText(/^Access token/);
    fireEvent.change(token, { target: { value: 'Bearer abc' } });
    expect(within(section('domo')).getByRole('alert')).toHaveTextContent(
      'The access token contains spaces or line breaks; paste it again as one line'
    );
    // Spaces around it are trimmed by the backend: fine.
    fireEvent.change(within(section('domo')).getByLabelText(/^Access token/), { target: { value: ' abc\n' } });
    expect(within(section('domo')).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('names an unknown provisioned Domino credential type', () => {
    setup(
      settings({
        providers: { domino: { enabled: true, url: 'https://d.example.com', authType: 'basic' as never } },
      })
    );
    expect(within(section('domino')).getByRole('alert')).toHaveTextContent(
      'authType "basic" is unknown (use "bearer" or "apiKey")'
    );
  });

  it('does not mark missing values before Save & test', () => {
    setup(settings({ providers: allEnabled() }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('writes a secret to secureJsonData under the provider key', () => {
    const onChange = setup(settings({ providers: { domino: { enabled: true } } }));
    fireEvent.change(within(section('domino')).getByLabelText(/^Token/), { target: { value: 's3cret' } });
    const o = lastCall(onChange);
    expect(o.secureJsonData).toStrictEqual({ dominoToken: 's3cret' });
    expect(o.jsonData).toStrictEqual({ providers: { domino: { enabled: true } } });
  });

  it.each(PROVIDER_LIST.map((p) => [p.id, p.secretKey]))('resets the configured %s secret (%s)', (id, key) => {
    const onChange = setup(
      settings({ providers: { [id]: { enabled: true } } }, { [key]: true, otherSecret: true }, {})
    );
    const s = section(id as ProviderId);
    expect(within(s).getByDisplayValue('configured')).toBeDisabled();
    fireEvent.click(within(s).getByRole('button', { name: 'Reset' }));
    const o = lastCall(onChange);
    expect(o.secureJsonFields).toStrictEqual({ [key]: false, otherSecret: true });
    expect(o.secureJsonData).toStrictEqual({ [key]: '' });
  });

  it('edits max events and the advanced limits as numbers, empty meaning the default', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ maxEvents: 100 })} spy={spy} />);
    const max = screen.getByLabelText(/^Max events/);
    expect(max).toHaveValue(100);
    fireEvent.change(max, { target: { value: '250000' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 250000 });
    fireEvent.change(max, { target: { value: '' } });
    expect(lastCall(spy).jsonData).toStrictEqual({});
    expect(screen.queryByLabelText(/^Concurrency/)).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Expand section Advanced' }));
    fireEvent.change(screen.getByLabelText(/^Concurrency/), { target: { value: '8' } });
    fireEvent.change(screen.getByLabelText(/^Cache TTL \(seconds\)/), { target: { value: '-1' } });
    fireEvent.change(screen.getByLabelText(/^Cache size \(MB\)/), { target: { value: '128' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ concurrency: 8, cacheTTLSeconds: -1, cacheMaxMB: 128 });
  });

  it('opens the advanced limits when one is set', () => {
    setup(settings({ cacheMaxMB: 256 }));
    expect(screen.getByLabelText(/^Cache size \(MB\)/)).toHaveValue(256);
  });
});

describe('ConfigEditor sections', () => {
  it('describes the data source with a link to the documentation, then one section per concern', () => {
    setup(settings({}));
    expect(screen.getByText(/Before you can use the Audit Log data source/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'view the documentation' })).toHaveAttribute('href', DOCS_URL);
    expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual([
      'Providers',
      'Limits',
      'Connection',
      'Grafana HA: shared state',
    ]);
  });
});

describe('request rate per provider', () => {
  const rate = (id: ProviderId) => within(section(id)).getByLabelText(/^Requests per minute/);

  it("says what empty means: the vendor's documented rate, or no pacing", () => {
    setup(settings({ providers: allEnabled() }));
    expect(
      within(section('thousandeyes')).getByText(
        "Optional. Empty: Cisco ThousandEyes' documented limit, 240 requests per minute; -1: no pacing."
      )
    ).toBeInTheDocument();
    expect(rate('thousandeyes')).toHaveAttribute('placeholder', '240');
    expect(
      within(section('domo')).getByText('Optional. Empty or -1: no pacing (Domo documents no rate limit).')
    ).toBeInTheDocument();
  });

  it('writes providers.<id>.requestsPerMinute as a number; empty removes it', () => {
    const spy = jest.fn();
    render(
      <Stateful
        initial={settings({ providers: { thousandeyes: { enabled: true, requestsPerMinute: 100 } } })}
        spy={spy}
      />
    );
    expect(rate('thousandeyes')).toHaveValue(100);
    fireEvent.change(rate('thousandeyes'), { target: { value: '60' } });
    expect(lastCall(spy).jsonData.providers?.thousandeyes).toStrictEqual({ enabled: true, requestsPerMinute: 60 });
    fireEvent.change(rate('thousandeyes'), { target: { value: '-1' } });
    expect(lastCall(spy).jsonData.providers?.thousandeyes).toStrictEqual({ enabled: true, requestsPerMinute: -1 });
    fireEvent.change(rate('thousandeyes'), { target: { value: '' } });
    expect(lastCall(spy).jsonData.providers?.thousandeyes).toStrictEqual({ enabled: true });
  });

  it('names a value that is not a rate and does not save it', () => {
    const spy = jest.fn();
    render(
      <Stateful initial={settings({ providers: { domo: { enabled: true, requestsPerMinute: 30 } } })} spy={spy} />
    );
    fireEvent.change(rate('domo'), { target: { value: '-5' } });
    expect(within(section('domo')).getByRole('alert')).toHaveTextContent(
      'A whole number of requests per minute, or -1 for no pacing'
    );
    expect(rate('domo')).toHaveValue(-5);
    expect(lastCall(spy).jsonData.providers?.domo).toStrictEqual({ enabled: true });
    fireEvent.change(rate('domo'), { target: { value: '12.5' } });
    expect(within(section('domo')).getByRole('alert')).toBeInTheDocument();
    fireEvent.change(rate('domo'), { target: { value: '12' } });
    expect(within(section('domo')).queryByRole('alert')).not.toBeInTheDocument();
    expect(lastCall(spy).jsonData.providers?.domo).toStrictEqual({ enabled: true, requestsPerMinute: 12 });
  });
});

describe('connection settings', () => {
  it("writes Grafana's standard timeout in seconds; empty means the default", () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ maxEvents: 10 })} spy={spy} />);
    const timeout = screen.getByLabelText(/^Timeout/);
    expect(timeout).toHaveAttribute('placeholder', '30');
    fireEvent.change(timeout, { target: { value: '120' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 10, timeout: 120 });
    fireEvent.change(timeout, { target: { value: '' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 10 });
  });

  it('refuses a timeout of 0, which would mean none', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ timeout: 60 })} spy={spy} />);
    fireEvent.change(screen.getByLabelText(/^Timeout/), { target: { value: '0' } });
    expect(screen.getByRole('alert')).toHaveTextContent('A whole number of seconds, 1 or more');
    expect(lastCall(spy).jsonData).toStrictEqual({});
  });

  it('adds a CA certificate for a self-hosted host: tlsAuthWithCACert and secureJsonData.tlsCACert', async () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({})} spy={spy} />);
    expect(screen.queryByLabelText(/^CA Certificate/)).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Add self-signed certificate'));
    expect(lastCall(spy).jsonData).toStrictEqual({ tlsAuthWithCACert: true });
    fireEvent.change(screen.getByLabelText(/^CA Certificate/), {
      target: { value: '-----BEGIN CERTIFICATE-----\nMIIB' },
    });
    expect(lastCall(spy).secureJsonData).toStrictEqual({ tlsCACert: '-----BEGIN CERTIFICATE-----\nMIIB' });
  });

  it('shows a saved CA certificate as configured, with Reset', async () => {
    const spy = jest.fn();
    render(
      <Stateful initial={settings({ tlsAuthWithCACert: true }, { tlsCACert: true, domoToken: true })} spy={spy} />
    );
    const ca = screen.getByLabelText(/^CA Certificate/);
    expect(ca).toHaveValue('configured');
    expect(ca).toBeDisabled();
    await userEvent.click(within(ca.closest('div')!.parentElement!).getByRole('button', { name: 'Reset' }));
    expect(lastCall(spy).secureJsonFields).toStrictEqual({ tlsCACert: false, domoToken: true });
    expect(lastCall(spy).secureJsonData).toStrictEqual({ tlsCACert: '' });
    expect(screen.getByLabelText(/^CA Certificate/)).toBeEnabled();
  });

  it('skips certificate validation only when asked, and checks a server name with client authentication', async () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({})} spy={spy} />);
    await userEvent.click(screen.getByLabelText('Skip TLS certificate validation'));
    expect(lastCall(spy).jsonData).toStrictEqual({ tlsSkipVerify: true });
    await userEvent.click(screen.getByLabelText('TLS Client Authentication'));
    fireEvent.change(screen.getByLabelText(/^ServerName/), { target: { value: 'domino.internal' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ tlsSkipVerify: true, tlsAuth: true, serverName: 'domino.internal' });
  });
});

describe('rate limit reserve', () => {
  const reserve = () => screen.getByLabelText(/^Rate limit reserve \(%\)/);

  it('is a Limits field whose empty value means the default, 10 %', () => {
    setup(settings({}));
    expect(reserve()).toHaveValue(null);
    expect(reserve()).toHaveAttribute('placeholder', '10');
    expect(screen.getByText(/left to your organisation's other API users \(default 10, 0 to 90\)/)).toBeInTheDocument();
    expect(screen.getByText(/Only Cisco ThousandEyes announces one, 240 requests a minute/)).toBeInTheDocument();
  });

  it('writes jsonData.rateLimitReserve as a number, 0 included; empty removes it', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ maxEvents: 5000, rateLimitReserve: 20 })} spy={spy} />);
    expect(reserve()).toHaveValue(20);
    fireEvent.change(reserve(), { target: { value: '35' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 5000, rateLimitReserve: 35 });
    fireEvent.change(reserve(), { target: { value: '0' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 5000, rateLimitReserve: 0 });
    fireEvent.change(reserve(), { target: { value: '90' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 5000, rateLimitReserve: 90 });
    fireEvent.change(reserve(), { target: { value: '' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 5000 });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it.each([['91'], ['-1'], ['12.5'], ['1e3']])('names %s as out of range and does not save it', (text) => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ rateLimitReserve: 10 })} spy={spy} />);
    fireEvent.change(reserve(), { target: { value: text } });
    expect(screen.getByRole('alert')).toHaveTextContent(RESERVE_ERROR);
    expect(RESERVE_ERROR).toBe('A whole percentage from 0 to 90 (default 10)');
    expect(lastCall(spy).jsonData).toStrictEqual({});
    fireEvent.change(reserve(), { target: { value: '15' } });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(lastCall(spy).jsonData).toStrictEqual({ rateLimitReserve: 15 });
  });

  it('names a provisioned value that Save & test would refuse', () => {
    setup(settings({ rateLimitReserve: 95 }));
    expect(reserve()).toHaveValue(95);
    expect(screen.getByRole('alert')).toHaveTextContent(RESERVE_ERROR);
  });
});

describe('Grafana HA: shared state', () => {
  const url = () => screen.getByLabelText(/^Redis URL/);
  const password = () => screen.getByLabelText(/^Redis password/);
  const expand = () => fireEvent.click(screen.getByRole('button', { name: 'Expand section Grafana HA: shared state' }));

  it('is closed unless a Redis URL is set, and says what it is for', () => {
    setup(settings({}));
    expect(screen.getByText(/so N replicas cost one vendor read/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/^Redis URL/)).not.toBeInTheDocument();
    expand();
    expect(url()).toHaveValue('');
    expect(url()).toHaveAttribute('placeholder', 'redis://redis:6379/0');
    expect(password()).toHaveValue('');
    expect(password()).toHaveAttribute('type', 'password');
    expect(
      screen.getByText(/When Redis is unreachable, each replica works alone and Save & test says so/)
    ).toBeInTheDocument();
  });

  it('opens with a saved Redis URL', () => {
    setup(settings({ redisUrl: 'redis://redis:6379/0' }));
    expect(url()).toHaveValue('redis://redis:6379/0');
    expect(screen.getByRole('button', { name: 'Collapse section Grafana HA: shared state' })).toBeInTheDocument();
  });

  it('writes jsonData.redisUrl; clearing it removes the key (off)', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ maxEvents: 10 })} spy={spy} />);
    expand();
    fireEvent.change(url(), { target: { value: 'rediss://redis.example.com:6380/1' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 10, redisUrl: 'rediss://redis.example.com:6380/1' });
    expect(lastCall(spy).secureJsonData).toBeUndefined();
    fireEvent.change(url(), { target: { value: '' } });
    expect(lastCall(spy).jsonData).toStrictEqual({ maxEvents: 10 });
    // Still open: the section does not close under the user's hands.
    expect(url()).toHaveValue('');
  });

  it('says at once what the backend would refuse: another scheme, a password, a query', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ redisUrl: 'redis://redis:6379/0' })} spy={spy} />);
    const type = (value: string) => fireEvent.change(url(), { target: { value } });
    const alert = () => screen.queryByRole('alert');

    expect(alert()).not.toBeInTheDocument();
    type('localhost:6379');
    expect(alert()).toHaveTextContent('Not a redis:// or rediss:// URL with a host (e.g. redis://redis:6379/0)');
    type('http://redis:6379');
    expect(alert()).toHaveTextContent(REDIS_URL_ERRORS.scheme);
    type('redis://:hunter2@redis:6379/0');
    expect(alert()).toHaveTextContent(
      'The URL holds a password; put the password in the Redis password field, where it is stored encrypted'
    );
    // The password is only in the input, never repeated in the page's text.
    expect(document.body.textContent).not.toContain('hunter2');
    type('redis://redis:6379/0?db=1');
    expect(alert()).toHaveTextContent('Give only the host, port and database number (redis://host:6379/0)');
    // A Redis ACL user without a password is fine; so is TLS.
    type('redis://alice@redis:6379/0');
    expect(alert()).not.toBeInTheDocument();
    type('rediss://redis.example.com:6380');
    expect(alert()).not.toBeInTheDocument();
    // What was typed is written either way: Save & test names what is wrong.
    type('http://redis:6379');
    expect(lastCall(spy).jsonData).toStrictEqual({ redisUrl: 'http://redis:6379' });
  });

  it('writes a new password to secureJsonData.redisPassword only', () => {
    const spy = jest.fn();
    render(<Stateful initial={settings({ redisUrl: 'redis://redis:6379/0' })} spy={spy} />);
    expect(password()).toHaveAttribute('placeholder', 'Paste the Redis password');
    expect(password()).toBeEnabled();
    fireEvent.change(password(), { target: { value: 's3cret' } });
    expect(lastCall(spy).secureJsonData).toStrictEqual({ redisPassword: 's3cret' });
    expect(lastCall(spy).jsonData).toStrictEqual({ redisUrl: 'redis://redis:6379/0' });
    expect(lastCall(spy).secureJsonFields).toStrictEqual({});
  });

  it('shows a saved password as configured; Reset clears it for a new one', () => {
    const spy = jest.fn();
    render(
      <Stateful
        initial={settings({ redisUrl: 'redis://redis:6379/0' }, { redisPassword: true, domoToken: true }, {})}
        spy={spy}
      />
    );
    expect(password()).toHaveValue('configured');
    expect(password()).toBeDisabled();
    fireEvent.click(within(screen.getByTestId('config-shared-state-section')).getByRole('button', { name: 'Reset' }));
    expect(lastCall(spy).secureJsonFields).toStrictEqual({ redisPassword: false, domoToken: true });
    expect(lastCall(spy).secureJsonData).toStrictEqual({ redisPassword: '' });
    expect(password()).toBeEnabled();
    expect(password()).toHaveValue('');
    fireEvent.change(password(), { target: { value: 'n3w' } });
    expect(lastCall(spy).secureJsonData).toStrictEqual({ redisPassword: 'n3w' });
    expect(lastCall(spy).jsonData).toStrictEqual({ redisUrl: 'redis://redis:6379/0' });
  });
});
