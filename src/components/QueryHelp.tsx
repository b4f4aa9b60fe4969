import React from 'react';
import { Box, Button, Stack, Text } from '@grafana/ui';

import { AuditQuery, migrateQuery, PROVIDER_ALL, ProviderId } from '../types';

/** Event / action names of a failed sign-in, per provider (the events filter matches event or action). */
export const FAILED_LOGIN_EVENTS = [
  'Login failed.', // ThousandEyes
  'FAILED_LOGIN', // Domo (actionType; its eventText is "Failed login")
  'Failed login', // Domo (eventText)
  'login_failed', // Datafold (action)
];

/** Permission, role and membership changes. */
export const PERMISSION_EVENTS = [
  'Change Data Source Permissions', // Domino
  'Change User Role In Project',
  'Add Collaborator',
  'Remove Collaborator',
  'Add Grant For Dataset',
  'Remove Grant For Dataset',
  'Updated role', // Domo
  'Updated group',
  'user_role_changed', // Datafold
];

export interface QueryExample {
  id: string;
  title: string;
  description: string;
  /** The contract fields the example sets; the rest take their defaults. */
  query: Partial<AuditQuery>;
  /** Providers whose events the example is about, most relevant first. */
  providers: ProviderId[];
}

export const QUERY_EXAMPLES: QueryExample[] = [
  {
    id: 'failed-logins',
    title: 'Failed logins per user',
    description:
      'Counts failed sign-ins per time bucket, one series per user. Put an alert on it: Reduce (sum) and Threshold > 5.',
    query: { format: 'timeseries', events: FAILED_LOGIN_EVENTS, groupBy: 'user', limit: 10 },
    providers: ['thousandeyes', 'domo', 'domo-platform', 'datafold'],
  },
  {
    id: 'permission-changes',
    title: 'Who changed permissions this week',
    description:
      'Every permission, role and collaborator change with who made it. Set the time range to "This week so far".',
    query: { format: 'table', events: PERMISSION_EVENTS },
    providers: ['domino', 'domo', 'domo-platform', 'datafold'],
  },
  {
    id: 'exports-by-object-type',
    title: 'Exports by object type',
    description: 'Domo exports (actionType EXPORTED) per time bucket, one series per object type (CARD, DATA_SOURCE…).',
    query: { format: 'timeseries', events: ['EXPORTED'], groupBy: 'objectType', limit: 10 },
    providers: ['domo', 'domo-platform'],
  },
];

/**
 * The provider an example runs on: the query's own when it reads every
 * provider, a variable or a relevant one; else the first relevant provider
 * that is enabled.
 */
export function exampleProvider(current: string, enabled: ProviderId[], relevant: ProviderId[]): string {
  const p = current.trim();
  if (p === '' || p === PROVIDER_ALL || p.includes('$') || (relevant as string[]).includes(p)) {
    return current;
  }
  return relevant.find((id) => enabled.includes(id)) ?? current;
}

/** The query an example gives, keeping the current query's refId, data source and other keys. */
export function applyExample(example: QueryExample, current: AuditQuery, enabled: ProviderId[]): AuditQuery {
  const base = migrateQuery(current);
  return migrateQuery({
    ...base,
    search: '',
    users: [],
    objectTypes: [],
    events: [],
    groupBy: 'none',
    options: base.options,
    ...example.query,
    provider: exampleProvider(base.provider, enabled, example.providers),
  });
}

export interface QueryHelpProps {
  query: AuditQuery;
  /** Providers enabled in the data source (which one an example runs on). */
  enabledProviders: ProviderId[];
  /** Called with the example's query; the editor writes and runs it. */
  onClickExample: (query: AuditQuery) => void;
  /** In an alert rule: only the time series examples, the only format alerting evaluates. */
  alerting?: boolean;
}

/** Worked examples; each button replaces the query with the example and runs it. */
export function QueryHelp({ query, enabledProviders, onClickExample, alerting }: QueryHelpProps) {
  const examples = alerting ? QUERY_EXAMPLES.filter((ex) => ex.query.format === 'timeseries') : QUERY_EXAMPLES;
  return (
    <Box padding={1} borderStyle="solid" borderColor="weak" borderRadius="default">
      <Stack direction="column" gap={2}>
        <Text element="p" variant="bodySmall" color="secondary">
          {alerting
            ? 'An alert rule counts events per time bucket; reduce the series and set a threshold below. Filters match exactly.'
            : 'Table lists events, Time series counts them per bucket (alerts need it), Logs is for Explore. Filters match exactly; a variable set to All removes its filter.'}
        </Text>
        {examples.map((ex) => {
          const q = applyExample(ex, query, enabledProviders);
          return (
            <Stack key={ex.id} direction="row" gap={2} alignItems="flex-start" justifyContent="space-between">
              <Stack direction="column" gap={0.5}>
                <Text element="h6">{ex.title}</Text>
                <Text variant="bodySmall" color="secondary">
                  {ex.description}
                </Text>
                <Text variant="code" color="secondary">
                  {JSON.stringify(exampleJson(q))}
                </Text>
              </Stack>
              <Button
                size="sm"
                variant="secondary"
                icon="play"
                aria-label={`Use example: ${ex.title}`}
                onClick={() => onClickExample(q)}
              >
                Use
              </Button>
            </Stack>
          );
        })}
      </Stack>
    </Box>
  );
}

/** The fields of an example worth showing (non-default ones). */
function exampleJson(q: AuditQuery): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (q.provider) {
    out.provider = q.provider;
  }
  out.format = q.format;
  if (q.events.length) {
    out.events = q.events;
  }
  if (q.format === 'timeseries' && q.groupBy !== 'none') {
    out.groupBy = q.groupBy;
  }
  return out;
}
