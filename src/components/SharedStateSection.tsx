import React, { ChangeEvent } from 'react';
import { Field, Input, SecretInput, Stack } from '@grafana/ui';
import { ConfigSection } from '@grafana/plugin-ui';

import { checkRedisUrl, REDIS_URL_EXAMPLE } from '../redis';

const FIELD_WIDTH = 60;

export const SHARED_STATE_TITLE = 'Grafana HA: shared state';

export interface SharedStateSectionProps {
  /** jsonData.redisUrl. */
  url?: string;
  /** secureJsonFields.redisPassword: a password is saved (it never reaches the browser). */
  passwordConfigured: boolean;
  /** secureJsonData.redisPassword: a password typed since the last save. */
  passwordValue: string;
  /** The new URL; undefined removes the key (off). */
  onUrlChange: (url: string | undefined) => void;
  onPasswordChange: (value: string) => void;
  onPasswordReset: () => void;
}

/**
 * Grafana HA: the Redis every replica's plugin shares (jsonData.redisUrl,
 * secureJsonData.redisPassword). Closed unless a URL is set.
 */
export function SharedStateSection({
  url,
  passwordConfigured,
  passwordValue,
  onUrlChange,
  onPasswordChange,
  onPasswordReset,
}: SharedStateSectionProps) {
  const error = checkRedisUrl(url);
  return (
    <ConfigSection
      title={SHARED_STATE_TITLE}
      description="Only for several Grafana replicas (high availability): through one Redis, every replica's plugin shares one request budget per vendor organisation and one cache of the time windows read, so N replicas cost one vendor read. Leave it empty with a single Grafana server."
      isCollapsible
      isInitiallyOpen={!!url}
    >
      <Stack direction="column" gap={2} data-testid="config-shared-state-section">
        <Field
          label="Redis URL"
          description="Optional; empty keeps each replica's budget and cache to itself. redis:// (or rediss:// for TLS), the host, port and database number. When Redis is unreachable, each replica works alone and Save & test says so."
          invalid={!!error}
          error={error}
          htmlFor="config-redisUrl"
          noMargin
        >
          <Input
            id="config-redisUrl"
            width={FIELD_WIDTH}
            value={url ?? ''}
            placeholder={REDIS_URL_EXAMPLE}
            onChange={(e: ChangeEvent<HTMLInputElement>) => {
              const v = e.currentTarget.value;
              onUrlChange(v === '' ? undefined : v);
            }}
          />
        </Field>
        <Field
          label="Redis password"
          description="Optional: the password Redis asks for (AUTH; with a user name in the URL, that user's). Stored encrypted; only the Grafana server uses it."
          htmlFor="config-redisPassword"
          noMargin
        >
          <SecretInput
            id="config-redisPassword"
            isConfigured={passwordConfigured}
            value={passwordValue}
            placeholder={passwordConfigured ? 'configured' : 'Paste the Redis password'}
            width={FIELD_WIDTH}
            onReset={onPasswordReset}
            onChange={(e: ChangeEvent<HTMLInputElement>) => onPasswordChange(e.currentTarget.value)}
          />
        </Field>
      </Stack>
    </ConfigSection>
  );
}
