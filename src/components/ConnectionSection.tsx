import React from 'react';
import { DataSourceSettings } from '@grafana/data';
import { Stack } from '@grafana/ui';
import { ConfigSection, convertLegacyAuthProps, TLSSettings } from '@grafana/plugin-ui';

import { AuditDataSourceOptions, AuditSecureJsonData } from '../types';
import { NumberField, parseWholeNumber } from './NumberField';

type Settings = DataSourceSettings<AuditDataSourceOptions, AuditSecureJsonData>;

/** The plugin SDK's default HTTP timeout (httpclient.DefaultTimeoutOptions), in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 30;

const TIMEOUT_ERROR = 'A whole number of seconds, 1 or more';

const parseTimeout = (text: string) => {
  const r = parseWholeNumber(text, TIMEOUT_ERROR);
  // 0 would mean no timeout at all to Go's HTTP client.
  return r.value !== undefined && r.value < 1 ? { error: TIMEOUT_ERROR } : r;
};

/**
 * How the Grafana server reaches the vendors' APIs: Grafana's standard HTTP
 * settings (jsonData.timeout, the TLS keys), which the backend reads through
 * the plugin SDK. One HTTP client serves every provider, so they apply to
 * all of them; a CA certificate is for self-hosted hosts (Domino, proxies).
 */
export function ConnectionSection({
  options,
  onOptionsChange,
}: {
  options: Settings;
  onOptionsChange: (o: Settings) => void;
}) {
  const config = { ...options, secureJsonFields: options.secureJsonFields ?? {} };
  const tls = convertLegacyAuthProps({ config, onChange: onOptionsChange }).TLS;
  return (
    <ConfigSection
      title="Connection"
      description="HTTP settings of the requests to every provider's API. The defaults suit the vendors' own hosts."
    >
      <Stack direction="column" gap={2}>
        <NumberField
          id="config-timeout"
          label="Timeout"
          description={`Seconds one API request may take (default ${DEFAULT_TIMEOUT_SECONDS}).`}
          tooltip="A vendor request that takes longer fails and is retried. A slow self-hosted deployment or proxy may need more."
          value={options.jsonData?.timeout}
          placeholder={String(DEFAULT_TIMEOUT_SECONDS)}
          parse={parseTimeout}
          onChange={(timeout) => {
            const jsonData = { ...options.jsonData, timeout };
            if (timeout === undefined) {
              delete jsonData.timeout;
            }
            onOptionsChange({ ...options, jsonData });
          }}
        />
        {tls && (
          <TLSSettings
            {...tls}
            // Unset keys read as off (the checkboxes stay controlled).
            TLSClientAuth={{
              ...tls.TLSClientAuth,
              enabled: !!tls.TLSClientAuth.enabled,
              serverName: tls.TLSClientAuth.serverName ?? '',
            }}
            skipTLSVerification={{ ...tls.skipTLSVerification, enabled: !!tls.skipTLSVerification.enabled }}
            readOnly={options.readOnly}
          />
        )}
      </Stack>
    </ConfigSection>
  );
}
