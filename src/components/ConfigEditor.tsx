import React from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Divider, Stack, Text } from '@grafana/ui';
import { ConfigSection, DataSourceDescription } from '@grafana/plugin-ui';

import { DOCS_URL } from '../links';
import { PROVIDER_LIST } from '../providers';
import { AuditDataSourceOptions, AuditSecureJsonData, ProviderId, ProviderSettings } from '../types';
import { ConnectionSection } from './ConnectionSection';
import { LimitsSection } from './LimitsSection';
import { ProviderSection } from './ProviderSection';
import { SharedStateSection } from './SharedStateSection';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<AuditDataSourceOptions, AuditSecureJsonData>;

/**
 * Settings: one section per provider, then the limits and the connection
 * every provider shares, and the Redis that Grafana replicas share.
 */
export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const jsonData = options.jsonData ?? {};
  const providers = jsonData.providers ?? {};
  const secureJsonFields = options.secureJsonFields ?? {};
  const secureJsonData = options.secureJsonData ?? {};

  const setJsonData = (patch: Partial<AuditDataSourceOptions>) => {
    const next: AuditDataSourceOptions = { ...jsonData, ...patch };
    for (const k of Object.keys(patch) as Array<keyof AuditDataSourceOptions>) {
      if (next[k] === undefined) {
        delete next[k];
      }
    }
    onOptionsChange({ ...options, jsonData: next });
  };

  const setProvider = (id: ProviderId, patch: Partial<ProviderSettings>) => {
    const current: ProviderSettings = { ...providers[id], ...patch };
    for (const k of Object.keys(patch) as Array<keyof ProviderSettings>) {
      if (current[k] === undefined || current[k] === '') {
        delete current[k];
      }
    }
    setJsonData({ providers: { ...providers, [id]: { ...current, enabled: current.enabled === true } } });
  };

  const setSecret = (key: keyof AuditSecureJsonData, value: string) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } });
  };

  const resetSecret = (key: keyof AuditSecureJsonData) => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });
  };

  const enabledCount = PROVIDER_LIST.filter((p) => providers[p.id]?.enabled).length;

  return (
    <Stack direction="column" gap={2}>
      <DataSourceDescription dataSourceName="Audit Log" docsLink={DOCS_URL} hasRequiredFields />
      <Divider spacing={1} />
      <ConfigSection
        title="Providers"
        description="Enable the audit logs this data source reads. Queries can read one provider or merge every enabled one. Secrets are stored encrypted and only the Grafana server uses them."
      >
        <Stack direction="column" gap={1}>
          {enabledCount === 0 && (
            <Text element="p" color="warning">
              No provider is enabled yet: enable at least one below, then press Save &amp; test.
            </Text>
          )}
          <div>
            {PROVIDER_LIST.map((info) => (
              <ProviderSection
                key={info.id}
                info={info}
                settings={providers[info.id] ?? {}}
                secretConfigured={secureJsonFields[info.secretKey] === true}
                secretValue={secureJsonData[info.secretKey] ?? ''}
                onChange={(patch) => setProvider(info.id, patch)}
                onSecretChange={(v) => setSecret(info.secretKey, v)}
                onSecretReset={() => resetSecret(info.secretKey)}
              />
            ))}
          </div>
        </Stack>
      </ConfigSection>
      <Divider spacing={1} />
      <LimitsSection jsonData={jsonData} onChange={setJsonData} />
      <Divider spacing={1} />
      <ConnectionSection options={options} onOptionsChange={onOptionsChange} />
      <Divider spacing={1} />
      <SharedStateSection
        url={jsonData.redisUrl}
        passwordConfigured={secureJsonFields.redisPassword === true}
        passwordValue={secureJsonData.redisPassword ?? ''}
        onUrlChange={(redisUrl) => setJsonData({ redisUrl })}
        onPasswordChange={(v) => setSecret('redisPassword', v)}
        onPasswordReset={() => resetSecret('redisPassword')}
      />
    </Stack>
  );
}
