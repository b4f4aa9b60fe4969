import React, { useEffect, useMemo, useRef, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { Alert, Button, Combobox, ComboboxOption, RadioButtonGroup, Switch, Text } from '@grafana/ui';
import { EditorField, EditorRow, EditorRows } from '@grafana/plugin-ui';

import { isAlertingApp } from '../alerting';
import { DataSource } from '../datasource';
import { lookupWindow } from '../lookupWindow';
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
  MAX_LIMIT,
  migrateQuery,
  parseQuery,
  PROVIDER_ALL,
  QueryFormat,
} from '../types';
import { CommitInput } from './CommitInput';
import { LookupField } from './LookupField';
import { QueryHelp } from './QueryHelp';
import { templateVariableOptions } from './templateVariables';
import { useChoice } from './useChoice';

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

/**
 * The query editor of panels, Explore and alert rules. In an alert rule
 * (props.app) the format is Time series, the only one alerting can
 * evaluate, and dashboard variables are not offered; a rule saved with
 * another format is switched to Time series, with a note saying so.
 */
export function QueryEditor({ query, onChange, onRunQuery, datasource, fixedFormat, app, range }: Props) {
  const parsed = useMemo(() => parseQuery(query), [query]);
  const alerting = !fixedFormat && isAlertingApp(app);
  const format = fixedFormat ?? (alerting ? 'timeseries' : undefined);
  const q = format ? { ...parsed.query, format } : parsed.query;
  const enabled = datasource.enabledProviders;
  const reached = resolveProviders(q.provider, enabled);
  const [showHelp, setShowHelp] = useState(false);
  const span = lookupWindow(range);
  // The format an alert rule was saved with, when alerting cannot use it.
  const [alertFormatWas] = useState(() =>
    alerting && parsed.query.format !== 'timeseries' ? parsed.query.format : undefined
  );

  /** Writes the migrated query with a change; selects run it at once. */
  const update = (patch: Partial<AuditQuery>, run = true) => {
    const fixed: Partial<AuditQuery> = format ? { format } : {};
    onChange(migrateQuery({ ...migrateQuery(query), ...patch, ...fixed }));
    if (run) {
      onRunQuery();
    }
  };

  // An alert rule saved with a table or logs format is saved as time series
  // from now on (the note below says so): once, without running it.
  const switched = useRef(false);
  const savedFormat = parsed.query.format;
  useEffect(() => {
    if (alerting && savedFormat !== 'timeseries' && !switched.current) {
      switched.current = true;
      onChange(migrateQuery({ ...migrateQuery(query), format: 'timeseries' }));
    }
  }, [alerting, savedFormat, query, onChange]);

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

  // The same option objects while the choice changes: Combobox reports a
  // new object for the selected value as a new selection.
  const baseProviderOptions = useMemo(() => {
    const opts: Array<ComboboxOption<string>> = [];
    if (enabled.length > 1) {
      opts.push({ label: 'All providers', value: PROVIDER_ALL, description: 'Every enabled provider, merged' });
    }
    for (const id of enabled) {
      opts.push({ label: providerLabel(id), value: id });
    }
    return alerting ? opts : [...opts, ...templateVariableOptions()];
  }, [enabled, alerting]);
  const providerOptions = useMemo(
    () =>
      q.provider && !baseProviderOptions.some((o) => o.value === q.provider)
        ? [...baseProviderOptions, { label: providerLabel(q.provider), value: q.provider }]
        : baseProviderOptions,
    [baseProviderOptions, q.provider]
  );

  const chooseProvider = useChoice(q.provider, (provider) => update({ provider }));

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
            <Combobox<string>
              id={`audit-provider-${query.refId}`}
              options={providerOptions}
              value={q.provider === '' ? null : q.provider}
              placeholder={enabled.length > 1 ? 'All providers' : 'Choose a provider'}
              createCustomValue
              width={28}
              onChange={chooseProvider}
            />
          </EditorField>
        )}
        {!fixedFormat && !alerting && (
          <EditorField label="Format">
            <RadioButtonGroup
              options={FORMAT_OPTIONS}
              value={q.format}
              onChange={(v: QueryFormat) => update({ format: v })}
            />
          </EditorField>
        )}
        {alerting && (
          <EditorField label="Format">
            <Text element="p" color="secondary">
              Time series: alert rules evaluate event counts over time.
            </Text>
          </EditorField>
        )}
      </EditorRow>
      {alertFormatWas !== undefined && (
        <Alert severity="info" title="Format changed to Time series">
          This query was saved with the {FORMAT_LABELS[alertFormatWas as QueryFormat] ?? alertFormatWas} format, which
          an alert rule cannot evaluate. It now counts events over time; save the rule to keep the change.
        </Alert>
      )}
      <EditorRow>
        {supportsFilter(reached, 'events') && (
          <LookupField
            kind="events"
            label="Events"
            tooltip="Event or action names; empty means every event."
            values={q.events}
            provider={q.provider}
            span={span}
            withVariables={!alerting}
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
            span={span}
            withVariables={!alerting}
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
            span={span}
            withVariables={!alerting}
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
            <CommitInput
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
              <CommitInput
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
              <CommitInput
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
              <CommitInput
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
              alerting={alerting}
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
