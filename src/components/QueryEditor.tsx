import React, { useEffect, useMemo, useRef, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Alert, Button, Input, MultiSelect, RadioButtonGroup, Select, Switch } from '@grafana/ui';
import { EditorField, EditorRow, EditorRows } from '@grafana/plugin-ui';

import { DataSource, errorMessage } from '../datasource';
import { providerLabel, resolveProviders, supportsFilter, supportsOption } from '../providers';
import {
  AuditDataSourceOptions,
  AuditQuery,
  AuditQueryOptions,
  FORMAT_LABELS,
  FORMATS,
  GROUP_BY_LABELS,
  GROUP_BYS,
  GroupBy,
  LookupKind,
  LookupOption,
  MAX_LIMIT,
  migrateQuery,
  parseQuery,
  PROVIDER_ALL,
  QueryFormat,
} from '../types';
import { QueryHelp } from './QueryHelp';

export type Props = QueryEditorProps<DataSource, AuditQuery, AuditDataSourceOptions> & {
  /** Fixes the format and hides its choice and the examples (the annotation editor: table). */
  fixedFormat?: QueryFormat;
};

const FORMAT_OPTIONS: Array<SelectableValue<QueryFormat>> = FORMATS.map((f) => ({ label: FORMAT_LABELS[f], value: f }));

const GROUP_BY_OPTIONS: Array<SelectableValue<GroupBy>> = GROUP_BYS.map((g) => ({
  label: GROUP_BY_LABELS[g],
  value: g,
}));

const hasVariable = (s: string) => s.includes('$') || s.includes('[[');

/** Template variables of the dashboard, as options ($name). */
function variableOptions(): Array<SelectableValue<string>> {
  try {
    return getTemplateSrv()
      .getVariables()
      .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Template variable' }));
  } catch {
    return [];
  }
}

export function QueryEditor({ query, onChange, onRunQuery, datasource, fixedFormat }: Props) {
  const parsed = useMemo(() => parseQuery(query), [query]);
  const q = fixedFormat ? { ...parsed.query, format: fixedFormat } : parsed.query;
  const enabled = datasource.enabledProviders;
  const reached = resolveProviders(q.provider, enabled);
  const [showHelp, setShowHelp] = useState(false);

  /** Writes the migrated query with a change; selects run it at once. */
  const update = (patch: Partial<AuditQuery>, run = true) => {
    const fixed: Partial<AuditQuery> = fixedFormat ? { format: fixedFormat } : {};
    onChange(migrateQuery({ ...migrateQuery(query), ...patch, ...fixed }));
    if (run) {
      onRunQuery();
    }
  };
  const updateOptions = (patch: Partial<AuditQueryOptions>, run = true) => {
    const options: AuditQueryOptions = { ...q.options, ...patch };
    for (const k of Object.keys(options) as Array<keyof AuditQueryOptions>) {
      if (options[k] === undefined || options[k] === '' || options[k] === false) {
        delete options[k];
      }
    }
    update({ options }, run);
  };

  // Problems to show: Go's validation (a provider variable cannot be checked
  // here), then a provider that is not enabled.
  let problem = parsed.error;
  if (problem?.startsWith('provider:') && hasVariable(q.provider)) {
    problem = undefined;
  }
  if (!problem && enabled.length > 0 && q.provider && q.provider !== PROVIDER_ALL && !hasVariable(q.provider)) {
    if (!(enabled as string[]).includes(q.provider)) {
      problem = `provider: "${q.provider}" is not enabled in this data source (enabled: ${enabled.join(', ')})`;
    }
  }

  const providerOptions = useMemo(() => {
    const opts: Array<SelectableValue<string>> = [];
    if (enabled.length > 1) {
      opts.push({ label: 'All providers', value: PROVIDER_ALL, description: 'Every enabled provider, merged' });
    }
    for (const id of enabled) {
      opts.push({ label: providerLabel(id), value: id });
    }
    if (q.provider && !opts.some((o) => o.value === q.provider)) {
      opts.push({ label: providerLabel(q.provider), value: q.provider });
    }
    return [...opts, ...variableOptions()];
  }, [enabled, q.provider]);

  const showProvider = enabled.length !== 1 || (q.provider !== '' && q.provider !== enabled[0]);

  return (
    <EditorRows>
      {enabled.length === 0 && (
        <Alert severity="warning" title="No provider is enabled">
          Enable at least one provider in the settings of this data source.
        </Alert>
      )}
      <EditorRow>
        {showProvider && (
          <EditorField label="Provider" width={24} tooltip="Which audit log to read; All providers merges them.">
            <Select
              inputId={`audit-provider-${query.refId}`}
              aria-label="Provider"
              options={providerOptions}
              value={q.provider === '' ? null : q.provider}
              placeholder={enabled.length > 1 ? 'All providers' : 'Choose a provider'}
              allowCustomValue
              width={28}
              onChange={(v: SelectableValue<string>) => update({ provider: v?.value ?? '' })}
            />
          </EditorField>
        )}
        {!fixedFormat && (
          <EditorField label="Format">
            <RadioButtonGroup
              options={FORMAT_OPTIONS}
              value={q.format}
              onChange={(v: QueryFormat) => update({ format: v })}
            />
          </EditorField>
        )}
      </EditorRow>
      <EditorRow>
        {supportsFilter(reached, 'events') && (
          <LookupField
            kind="events"
            label="Events"
            tooltip="Event or action names; empty means every event."
            values={q.events}
            provider={q.provider}
            datasource={datasource}
            refId={query.refId}
            onChange={(events) => update({ events })}
          />
        )}
        {supportsFilter(reached, 'objectTypes') && (
          <LookupField
            kind="objectTypes"
            label="Object types"
            tooltip="Object, target or resource types; empty means every type."
            values={q.objectTypes}
            provider={q.provider}
            datasource={datasource}
            refId={query.refId}
            onChange={(objectTypes) => update({ objectTypes })}
          />
        )}
        {supportsFilter(reached, 'users') && (
          <LookupField
            kind="users"
            label="Users"
            tooltip="User names, ids or e-mail addresses; empty means every user."
            values={q.users}
            provider={q.provider}
            datasource={datasource}
            refId={query.refId}
            onChange={(users) => update({ users })}
          />
        )}
      </EditorRow>
      {supportsFilter(reached, 'search') && (
        <EditorRow>
          <EditorField
            label="Search"
            width={40}
            tooltip="Case-insensitive text in the message, event, user or object name."
          >
            <BlurInput
              id={`audit-search-${query.refId}`}
              value={q.search}
              placeholder="Text to find"
              width={48}
              onCommit={(search) => update({ search })}
            />
          </EditorField>
        </EditorRow>
      )}
      {q.format === 'timeseries' && (
        <EditorRow>
          <EditorField label="Group by" tooltip="Split the counts into one series per value of this field.">
            <RadioButtonGroup
              options={GROUP_BY_OPTIONS}
              value={q.groupBy}
              onChange={(v: GroupBy) => update({ groupBy: v })}
            />
          </EditorField>
          {q.groupBy !== 'none' && (
            <EditorField
              label="Top N"
              tooltip={`The N largest series are kept, the rest summed into "other" (1 to ${MAX_LIMIT}).`}
            >
              <BlurInput
                id={`audit-limit-${query.refId}`}
                type="number"
                value={String(q.limit)}
                width={10}
                onCommit={(s) => {
                  const n = Number(s);
                  update({ limit: s.trim() === '' || !Number.isFinite(n) ? 10 : Math.trunc(n) });
                }}
              />
            </EditorField>
          )}
        </EditorRow>
      )}
      {(supportsOption(reached, 'accountGroupId') || supportsOption(reached, 'project')) && (
        <EditorRow>
          {supportsOption(reached, 'accountGroupId') && (
            <EditorField
              label="ThousandEyes account group"
              optional
              tooltip="Account group id (aid); empty uses the data source's account group."
            >
              <BlurInput
                id={`audit-aid-${query.refId}`}
                value={q.options.accountGroupId ?? ''}
                placeholder="Data source default"
                width={24}
                disabled={q.options.allAccountGroups === true}
                onCommit={(accountGroupId) => updateOptions({ accountGroupId })}
              />
            </EditorField>
          )}
          {supportsOption(reached, 'allAccountGroups') && (
            <EditorField
              label="All account groups"
              htmlFor={`audit-allaids-${query.refId}`}
              tooltip="Read every account group the token's user may see."
            >
              <Switch
                id={`audit-allaids-${query.refId}`}
                value={q.options.allAccountGroups === true}
                onChange={(e: React.FormEvent<HTMLInputElement>) =>
                  updateOptions({ allAccountGroups: e.currentTarget.checked })
                }
              />
            </EditorField>
          )}
          {supportsOption(reached, 'project') && (
            <EditorField label="Domino project" optional tooltip="Only events within this project (by name).">
              <BlurInput
                id={`audit-project-${query.refId}`}
                value={q.options.project ?? ''}
                placeholder="Every project"
                width={24}
                onCommit={(project) => updateOptions({ project })}
              />
            </EditorField>
          )}
        </EditorRow>
      )}
      {problem && (
        <Alert severity="error" title="This query cannot run">
          {problem}
        </Alert>
      )}
      {!fixedFormat && (
        <div>
          <Button
            size="sm"
            fill="text"
            variant="secondary"
            icon={showHelp ? 'angle-down' : 'angle-right'}
            aria-expanded={showHelp}
            onClick={() => setShowHelp(!showHelp)}
          >
            Query examples
          </Button>
          {showHelp && (
            <QueryHelp
              query={migrateQuery(query)}
              enabledProviders={enabled}
              onClickExample={(example) => {
                onChange(example);
                onRunQuery();
                setShowHelp(false);
              }}
            />
          )}
        </div>
      )}
    </EditorRows>
  );
}

interface BlurInputProps {
  id: string;
  value: string;
  onCommit: (value: string) => void;
  placeholder?: string;
  width?: number;
  type?: string;
  disabled?: boolean;
}

/**
 * A text input that reports its value (and so runs the query) on blur only.
 * Uncontrolled; a new value from outside remounts it.
 */
function BlurInput({ id, value, onCommit, placeholder, width, type, disabled }: BlurInputProps) {
  return (
    <Input
      key={value}
      id={id}
      type={type}
      defaultValue={value}
      placeholder={placeholder}
      width={width}
      disabled={disabled}
      onBlur={(e: React.FocusEvent<HTMLInputElement>) => {
        if (e.currentTarget.value !== value) {
          onCommit(e.currentTarget.value);
        }
      }}
    />
  );
}

interface LookupFieldProps {
  kind: LookupKind;
  label: string;
  tooltip: string;
  values: string[];
  provider: string;
  datasource: DataSource;
  refId: string;
  onChange: (values: string[]) => void;
}

interface LookupState {
  provider?: string;
  loading: boolean;
  options?: LookupOption[];
  error?: string;
}

/**
 * A multi-select whose choices come from the backend (values seen recently),
 * loaded when the menu first opens; any value can be typed, and template
 * variables are offered.
 */
function LookupField({ kind, label, tooltip, values, provider, datasource, refId, onChange }: LookupFieldProps) {
  const [state, setState] = useState<LookupState>({ loading: false });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const load = () => {
    if (state.provider === provider && (state.loading || state.options)) {
      return;
    }
    setState({ provider, loading: true });
    datasource.getLookup(kind, provider).then(
      (options) =>
        mounted.current && setState((s) => (s.provider === provider ? { provider, loading: false, options } : s)),
      (err) =>
        mounted.current &&
        setState((s) => (s.provider === provider ? { provider, loading: false, error: errorMessage(err) } : s))
    );
  };

  const fresh = state.provider === provider;
  const loaded = fresh ? (state.options ?? []) : [];
  const error = fresh ? state.error : undefined;
  const known = new Map<string, string>(loaded.map((o) => [o.value, o.label]));
  const options: Array<SelectableValue<string>> = [
    ...loaded.map((o) => ({ label: o.label, value: o.value })),
    ...variableOptions(),
  ];
  const value = values.map((v) => ({ label: known.get(v) ?? v, value: v }));
  const id = `audit-${kind}-${refId}`;

  return (
    <EditorField
      label={label}
      tooltip={tooltip}
      width={30}
      invalid={!!error}
      error={error ? `Could not load suggestions (${error}); you can still type values.` : undefined}
    >
      <MultiSelect
        inputId={id}
        aria-label={label}
        options={options}
        value={value}
        isLoading={fresh && state.loading}
        allowCustomValue
        isClearable
        width={36}
        placeholder={`Every ${label.toLowerCase().replace(/s$/, '')}`}
        noOptionsMessage={error ? 'Suggestions unavailable; type a value' : 'Nothing seen recently; type a value'}
        onOpenMenu={load}
        onChange={(items: Array<SelectableValue<string>>) =>
          onChange((items ?? []).map((i) => i.value).filter((v): v is string => typeof v === 'string' && v !== ''))
        }
      />
    </EditorField>
  );
}
