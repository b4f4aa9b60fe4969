import React, { useEffect, useMemo, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { Alert, Combobox, ComboboxOption, InlineField, InlineFieldRow, RadioButtonGroup, Text } from '@grafana/ui';

import { DataSource, errorMessage } from '../datasource';
import { providerLabel } from '../providers';
import { AuditDataSourceOptions, AuditQuery, LookupOption, PROVIDER_ALL } from '../types';
import {
  AuditVariableQuery,
  lookupDays,
  MAX_LOOKUP_DAYS,
  MIN_LOOKUP_DAYS,
  migrateVariableQuery,
  VARIABLE_KIND_LABELS,
  VARIABLE_KINDS,
  VariableKind,
  variableQueryText,
} from '../variableQuery';
import { CommitInput } from './CommitInput';
import { templateVariableOptions } from './templateVariables';
import { useChoice } from './useChoice';

export type VariableQueryEditorProps = QueryEditorProps<
  DataSource,
  AuditQuery,
  AuditDataSourceOptions,
  AuditVariableQuery
>;

const KIND_OPTIONS: Array<SelectableValue<VariableKind>> = VARIABLE_KINDS.map((k) => ({
  label: VARIABLE_KIND_LABELS[k],
  value: k,
}));

const LABEL_WIDTH = 14;

interface ProvidersState {
  loading: boolean;
  options?: LookupOption[];
  error?: string;
}

/**
 * The editor of a dashboard variable on this data source: which list (users,
 * events, object types or providers), of which provider, seen over how many
 * days. Values come from the backend look-ups; the variable's text is the
 * look-up's label (e.g. "Ana Silva (ana@example.com)"), its value the value.
 */
export function VariableQueryEditor({ query, onChange, datasource }: VariableQueryEditorProps) {
  // Older dashboards store a string ("users"); show it as the model it migrates to.
  const q = useMemo(() => migrateVariableQuery(query), [query]);
  const [providers, setProviders] = useState<ProvidersState>({ loading: true });
  const [daysError, setDaysError] = useState<string>();

  useEffect(() => {
    let live = true;
    datasource.getProviders().then(
      (options) => live && setProviders({ loading: false, options }),
      (err) => live && setProviders({ loading: false, error: errorMessage(err) })
    );
    return () => {
      live = false;
    };
  }, [datasource]);

  const emit = (patch: Partial<AuditVariableQuery>) => {
    const next: AuditVariableQuery = { ...q, ...patch };
    if (next.days === undefined) {
      delete next.days;
    }
    onChange(next);
  };

  // The same option objects while the choice changes: Combobox reports a
  // new object for the selected value as a new selection.
  const baseProviderOptions = useMemo(() => {
    // Without the backend's answer, the providers enabled in the settings.
    const known: LookupOption[] =
      providers.options ?? datasource.enabledProviders.map((id) => ({ value: id, label: providerLabel(id) }));
    const opts: Array<ComboboxOption<string>> = [
      { label: 'All providers', value: PROVIDER_ALL, description: 'Every enabled provider' },
      ...known.map((o) => ({ label: o.label, value: o.value })),
    ];
    // Dashboard variables, for chained variables.
    return [...opts, ...templateVariableOptions().filter((v) => !opts.some((o) => o.value === v.value))];
  }, [providers.options, datasource.enabledProviders]);
  const providerOptions = useMemo(
    () =>
      q.provider && !baseProviderOptions.some((o) => o.value === q.provider)
        ? [
            ...baseProviderOptions,
            { label: q.provider.startsWith('$') ? q.provider : providerLabel(q.provider), value: q.provider },
          ]
        : baseProviderOptions,
    [baseProviderOptions, q.provider]
  );

  const chooseProvider = useChoice(q.provider, (value) => emit({ provider: value.trim() || PROVIDER_ALL }));

  const commitDays = (text: string) => {
    const s = text.trim();
    if (s === '') {
      setDaysError(undefined);
      if (q.days !== undefined) {
        emit({ days: undefined });
      }
      return;
    }
    const days = lookupDays(s);
    if (days === undefined) {
      setDaysError(`A whole number from ${MIN_LOOKUP_DAYS} to ${MAX_LOOKUP_DAYS}`);
      return;
    }
    setDaysError(undefined);
    if (days !== q.days) {
      emit({ days });
    }
  };

  return (
    <div>
      <InlineFieldRow>
        <InlineField label="List" labelWidth={LABEL_WIDTH} tooltip="What the variable's values are.">
          <RadioButtonGroup options={KIND_OPTIONS} value={q.kind} onChange={(kind: VariableKind) => emit({ kind })} />
        </InlineField>
      </InlineFieldRow>
      {q.kind !== 'providers' && (
        <InlineFieldRow>
          <InlineField
            label="Provider"
            labelWidth={LABEL_WIDTH}
            htmlFor="audit-variable-provider"
            loading={providers.loading}
            tooltip="Whose values to list: one provider, all of them, or another variable (e.g. $provider)."
          >
            <Combobox<string>
              id="audit-variable-provider"
              width={32}
              options={providerOptions}
              value={q.provider}
              createCustomValue
              onChange={chooseProvider}
            />
          </InlineField>
          <InlineField
            label="Days"
            labelWidth={LABEL_WIDTH}
            htmlFor="audit-variable-days"
            tooltip={`Values seen in the last N days (${MIN_LOOKUP_DAYS} to ${MAX_LOOKUP_DAYS}); empty means 1. Longer periods read more events.`}
            invalid={!!daysError}
            error={daysError}
          >
            <CommitInput
              id="audit-variable-days"
              type="number"
              min={MIN_LOOKUP_DAYS}
              max={MAX_LOOKUP_DAYS}
              width={10}
              placeholder={String(MIN_LOOKUP_DAYS)}
              value={q.days === undefined ? '' : String(q.days)}
              onCommit={commitDays}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {providers.error && (
        <Alert severity="warning" title="Could not load the providers">
          {providers.error}. The list shows the providers enabled in the data source settings.
        </Alert>
      )}
      <Text element="p" variant="bodySmall" color="secondary">
        {variableQueryText(q)}.
      </Text>
    </div>
  );
}
