import React, { ChangeEvent } from 'react';
import { Field, Input, Stack } from '@grafana/ui';
import { ConfigSection, ConfigSubSection } from '@grafana/plugin-ui';

import { AuditDataSourceOptions, MAX_RATE_LIMIT_RESERVE, SETTINGS_DEFAULTS } from '../types';
import { NumberField, parseWholeNumber } from './NumberField';

type NumberKey = 'maxEvents' | 'concurrency' | 'cacheTTLSeconds' | 'cacheMaxMB';

/** Under the field; Save & test says "rateLimitReserve: N is not a percentage from 0 to 90 (default 10)". */
export const RESERVE_ERROR = `A whole percentage from 0 to ${MAX_RATE_LIMIT_RESERVE} (default ${SETTINGS_DEFAULTS.rateLimitReserve})`;

/** jsonData.rateLimitReserve: empty = the default; 0 is a value (no reserve). */
export const parseReserve = (text: string) => {
  const r = parseWholeNumber(text, RESERVE_ERROR);
  return r.value !== undefined && (r.value < 0 || r.value > MAX_RATE_LIMIT_RESERVE) ? { error: RESERVE_ERROR } : r;
};

/**
 * Limits every provider shares: events per query, the share of a vendor's
 * request budget left to others, and (advanced) concurrency and the window cache.
 */
export function LimitsSection({
  jsonData,
  onChange,
}: {
  jsonData: AuditDataSourceOptions;
  onChange: (patch: Partial<AuditDataSourceOptions>) => void;
}) {
  const advancedSet = (['concurrency', 'cacheTTLSeconds', 'cacheMaxMB'] as const).some(
    (k) => jsonData[k] !== undefined
  );
  const numberInput = (key: NumberKey, allowNegative = false) => (
    <Input
      id={`config-${key}`}
      type="number"
      width={20}
      min={allowNegative ? undefined : 1}
      value={jsonData[key] ?? ''}
      placeholder={String(SETTINGS_DEFAULTS[key])}
      onChange={(e: ChangeEvent<HTMLInputElement>) => {
        const s = e.currentTarget.value.trim();
        const n = Number(s);
        onChange({ [key]: s === '' || !Number.isFinite(n) ? undefined : Math.trunc(n) });
      }}
    />
  );

  return (
    <ConfigSection
      title="Limits"
      description="What one query may read and how the backend fetches, for every provider."
    >
      <Stack direction="column" gap={2}>
        <Field
          label="Max events"
          description={`Most events one query reads (default ${SETTINGS_DEFAULTS.maxEvents}). A query that reaches it shows a notice with partial results; protects Grafana from huge ranges.`}
          htmlFor="config-maxEvents"
          noMargin
        >
          {numberInput('maxEvents')}
        </Field>
        <NumberField
          id="config-rateLimitReserve"
          label="Rate limit reserve (%)"
          description={`Share of a vendor's announced request budget left to your organisation's other API users (default ${SETTINGS_DEFAULTS.rateLimitReserve}, 0 to ${MAX_RATE_LIMIT_RESERVE}). Only Cisco ThousandEyes announces one, 240 requests a minute per organisation: the plugin spends the rest at full speed, then waits for the minute's reset.`}
          tooltip="Raise it when scripts or other tools share the organisation's API budget, so that a large dashboard does not use it all; 0 leaves them nothing."
          value={jsonData.rateLimitReserve}
          placeholder={String(SETTINGS_DEFAULTS.rateLimitReserve)}
          parse={parseReserve}
          onChange={(rateLimitReserve) => onChange({ rateLimitReserve })}
        />
        <ConfigSubSection
          title="Advanced"
          description="Parallel requests and the cache of fetched time windows."
          isCollapsible
          isInitiallyOpen={advancedSet}
        >
          <Stack direction="column" gap={2}>
            <Field
              label="Concurrency"
              description={`Parallel requests per provider (default ${SETTINGS_DEFAULTS.concurrency}).`}
              htmlFor="config-concurrency"
              noMargin
            >
              {numberInput('concurrency')}
            </Field>
            <Field
              label="Cache TTL (seconds)"
              description={`How long fetched past windows are kept (default ${SETTINGS_DEFAULTS.cacheTTLSeconds}); a negative value turns the cache off.`}
              htmlFor="config-cacheTTLSeconds"
              noMargin
            >
              {numberInput('cacheTTLSeconds', true)}
            </Field>
            <Field
              label="Cache size (MB)"
              description={`Memory the window cache may use (default ${SETTINGS_DEFAULTS.cacheMaxMB}).`}
              htmlFor="config-cacheMaxMB"
              noMargin
            >
              {numberInput('cacheMaxMB')}
            </Field>
          </Stack>
        </ConfigSubSection>
      </Stack>
    </ConfigSection>
  );
}
