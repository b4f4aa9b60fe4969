import React, { useState } from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { VariableQueryEditor } from './VariableQueryEditor';
import { DataSource } from '../datasource';
import { FakeTemplateSrv, instanceSettings } from '../testUtils';
import { AuditVariableQuery } from '../variableQuery';

let templateSrv = new FakeTemplateSrv();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const PROVIDERS = [
  { value: 'domo', label: 'Domo' },
  { value: 'thousandeyes', label: 'Cisco ThousandEyes' },
];

function setup(query: unknown, getResource?: jest.Mock) {
  const ds = new DataSource(
    instanceSettings({
      providers: { domo: { enabled: true }, datafold: { enabled: true }, thousandeyes: { enabled: true } },
    })
  );
  const mock = getResource ?? jest.fn(() => Promise.resolve(PROVIDERS));
  jest.spyOn(ds, 'getResource').mockImplementation(mock as never);
  const onChange = jest.fn();
  function Host() {
    const [q, setQ] = useState(query as AuditVariableQuery);
    return (
      <VariableQueryEditor
        datasource={ds}
        query={q}
        onChange={(next) => {
          onChange(next);
          setQ(next);
        }}
        onRunQuery={() => {}}
      />
    );
  }
  render(<Host />);
  return { onChange, getResource: mock };
}

/** Renders and lets the providers request settle (its state update inside act). */
async function setupLoaded(query: unknown) {
  const r = setup(query);
  await act(async () => {});
  return r;
}

const last = (fn: jest.Mock): AuditVariableQuery => fn.mock.calls[fn.mock.calls.length - 1][0];

/** Opens the provider combobox's menu. */
const openProviders = () => userEvent.click(screen.getByLabelText('Provider'));

/** The labels of the open menu's options (descriptions aside). */
const menuOptions = () =>
  screen.getAllByRole('option').map((o) => o.querySelector('[class*="option-label"]')?.textContent ?? o.textContent);

/** The provider combobox's loading icon. */
const spinner = () => screen.queryByTestId('spinner');

beforeEach(() => {
  templateSrv = new FakeTemplateSrv({ provider: { value: 'domo' } });
});

describe('VariableQueryEditor', () => {
  it('offers the four kinds and writes the chosen one', async () => {
    const { onChange } = setup({ refId: 'V', kind: 'users', provider: 'all' });
    for (const label of ['Users', 'Events', 'Object types', 'Providers']) {
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    }
    expect(screen.getByLabelText('Users')).toBeChecked();
    fireEvent.click(screen.getByLabelText('Events'));
    expect(last(onChange)).toEqual({ refId: 'V', kind: 'events', provider: 'all' });
    fireEvent.click(screen.getByLabelText('Object types'));
    expect(last(onChange)).toEqual({ refId: 'V', kind: 'objectTypes', provider: 'all' });
    expect(await screen.findByText('Object types of all providers seen in the last day.')).toBeInTheDocument();
  });

  it("describes the query with the provider's display name, not its id", async () => {
    await setupLoaded({ refId: 'V', kind: 'events', provider: 'domo-platform', days: 7 });
    expect(screen.getByText('Events of Domo platform API seen in the last 7 days.')).toBeInTheDocument();
    expect(screen.queryByText(/of domo-platform/)).not.toBeInTheDocument();
  });

  it('describes a provider variable as written', async () => {
    await setupLoaded({ refId: 'V', kind: 'users', provider: '$provider' });
    expect(screen.getByText('Users of $provider seen in the last day.')).toBeInTheDocument();
  });

  it('hides provider and days for the providers list', async () => {
    await setupLoaded({ refId: 'V', kind: 'providers', provider: 'all' });
    expect(screen.getByLabelText('Providers')).toBeChecked();
    expect(screen.queryByLabelText('Provider')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Days')).not.toBeInTheDocument();
  });

  it('loads the providers from the backend and offers all, each one and variables', async () => {
    const { onChange, getResource } = setup({ refId: 'V', kind: 'users', provider: 'all' });
    expect(getResource).toHaveBeenCalledWith('providers');
    await waitFor(() => expect(spinner()).not.toBeInTheDocument());
    await openProviders();
    expect(menuOptions()).toEqual(['All providers', 'Domo', 'Cisco ThousandEyes', '$provider']);
    await userEvent.click(screen.getByRole('option', { name: 'Cisco ThousandEyes' }));
    expect(last(onChange)).toEqual({ refId: 'V', kind: 'users', provider: 'thousandeyes' });
    expect(screen.getByLabelText('Provider')).toHaveValue('Cisco ThousandEyes');
  });

  it('accepts a provider variable (chained variables)', async () => {
    const { onChange } = setup({ refId: 'V', kind: 'events', provider: 'all' });
    await waitFor(() => expect(spinner()).not.toBeInTheDocument());
    await openProviders();
    await userEvent.click(screen.getByRole('option', { name: /^\$provider/ }));
    expect(last(onChange)).toEqual({ refId: 'V', kind: 'events', provider: '$provider' });
    // A variable of another dashboard can be typed.
    await userEvent.type(screen.getByLabelText('Provider'), '$vendor');
    await userEvent.click(await screen.findByRole('option', { name: /^\$vendor/ }));
    expect(last(onChange)).toEqual({ refId: 'V', kind: 'events', provider: '$vendor' });
  });

  it('shows a loading state, then the error, and falls back to the enabled providers', async () => {
    let fail: (e: unknown) => void = () => {};
    const getResource = jest.fn(
      () =>
        new Promise((_, reject) => {
          fail = reject;
        })
    );
    setup({ refId: 'V', kind: 'users', provider: 'all' }, getResource);
    expect(spinner()).toBeInTheDocument();
    await act(async () => fail({ data: { error: 'plugin unavailable' } }));
    expect(await screen.findByText('Could not load the providers')).toBeInTheDocument();
    expect(screen.getByText(/plugin unavailable/)).toBeInTheDocument();
    expect(spinner()).not.toBeInTheDocument();
    await openProviders();
    expect(menuOptions()).toEqual(['All providers', 'Domo', 'Datafold', 'Cisco ThousandEyes', '$provider']);
  });

  it('writes days on Enter or blur and rejects values out of range', async () => {
    const { onChange } = await setupLoaded({ refId: 'V', kind: 'users', provider: 'domo' });
    const days = screen.getByLabelText('Days');
    await userEvent.type(days, '7');
    expect(onChange).not.toHaveBeenCalled();
    await userEvent.keyboard('{Enter}');
    expect(last(onChange)).toEqual({ refId: 'V', kind: 'users', provider: 'domo', days: 7 });
    expect(days).toHaveFocus();
    const again = screen.getByLabelText('Days');
    fireEvent.change(again, { target: { value: '90' } });
    fireEvent.blur(again);
    expect(screen.getByText('A whole number from 1 to 30')).toBeInTheDocument();
    expect(onChange).toHaveBeenCalledTimes(1);
    const cleared = screen.getByLabelText('Days');
    fireEvent.change(cleared, { target: { value: '' } });
    fireEvent.blur(cleared);
    expect(last(onChange)).toEqual({ refId: 'V', kind: 'users', provider: 'domo' });
    await waitFor(() => expect(screen.queryByText('A whole number from 1 to 30')).not.toBeInTheDocument());
  });

  it('shows an old string query as the model it migrates to and saves the model on change', async () => {
    const { onChange } = await setupLoaded('events(thousandeyes, 7)');
    expect(screen.getByLabelText('Events')).toBeChecked();
    expect(screen.getByLabelText('Provider')).toHaveValue('Cisco ThousandEyes');
    expect(screen.getByLabelText('Days')).toHaveValue(7);
    fireEvent.click(screen.getByLabelText('Users'));
    expect(last(onChange)).toEqual({ refId: 'AuditVariableQuery', kind: 'users', provider: 'thousandeyes', days: 7 });
  });
});
