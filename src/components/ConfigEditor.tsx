import React, { ChangeEvent, useState } from 'react';
import { DataSourcePluginOptionsEditorProps, SelectableValue } from '@grafana/data';
import {
  Badge,
  Box,
  Collapse,
  Field,
  Input,
  RadioButtonGroup,
  SecretInput,
  Stack,
  Switch,
  Text,
  TextLink,
} from '@grafana/ui';

import {
  checkProviderSettings,
  DATAFOLD_EU_URL,
  DATAFOLD_US_URL,
  DatafoldRegion,
  datafoldRegion,
  effectiveUrl,
  PROVIDER_LIST,
  ProviderInfo,
  SettingProblems,
} from '../providers';
import {
  AuditDataSourceOptions,
  AuditSecureJsonData,
  DominoAuthType,
  ProviderId,
  ProviderSettings,
  SecretKey,
  SETTINGS_DEFAULTS,
} from '../types';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<AuditDataSourceOptions, AuditSecureJsonData>;

const FIELD_WIDTH = 60;

const AUTH_TYPES: Array<SelectableValue<DominoAuthType>> = [
  { label: 'Bearer token', value: 'bearer', description: 'Service account or personal access token (recommended)' },
  { label: 'API key (legacy)', value: 'apiKey', description: 'Sent as X-Domino-Api-Key; Domino will deprecate it' },
];

/** A check's message as a field error: a sentence, unless it starts with a setting's key (authType). */
const sentence = (msg?: string) =>
  msg && /^[a-z]+\s/.test(msg) ? msg.charAt(0).toUpperCase() + msg.slice(1) : msg || undefined;

const REGIONS: Array<SelectableValue<DatafoldRegion>> = [
  { label: 'US', value: 'us', description: DATAFOLD_US_URL },
  { label: 'EU', value: 'eu', description: DATAFOLD_EU_URL },
  { label: 'Dedicated', value: 'custom', description: 'Your own Datafold domain' },
];

/** Settings: one section per provider, then the limits every provider shares. */
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

  const setSecret = (key: SecretKey, value: string) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } });
  };

  const resetSecret = (key: SecretKey) => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });
  };

  const enabledCount = PROVIDER_LIST.filter((p) => providers[p.id]?.enabled).length;

  return (
    <Stack direction="column" gap={2}>
      <Text element="p" color="secondary">
        Enable the audit logs this data source reads. Queries can read one provider or merge every enabled one. Secrets
        are stored encrypted and only the Grafana server uses them.
      </Text>
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
      <LimitsSection jsonData={jsonData} onChange={setJsonData} />
    </Stack>
  );
}

interface ProviderSectionProps {
  info: ProviderInfo;
  settings: ProviderSettings;
  secretConfigured: boolean;
  secretValue: string;
  onChange: (patch: Partial<ProviderSettings>) => void;
  onSecretChange: (value: string) => void;
  onSecretReset: () => void;
}

function ProviderSection(props: ProviderSectionProps) {
  const { info, settings, secretConfigured, secretValue, onChange, onSecretChange, onSecretReset } = props;
  const enabled = settings.enabled === true;
  const [open, setOpen] = useState(enabled);
  const idp = `config-${info.id}`;

  const label = (
    <Stack direction="row" gap={1} alignItems="center">
      <span>{info.label}</span>
      {enabled ? <Badge text="Enabled" color="green" /> : <Badge text="Disabled" color="darkgrey" />}
    </Stack>
  );

  // The same rules as Save & test (models.CheckProvider), shown as the admin types.
  const problems = enabled ? checkProviderSettings(info.id, settings, secretValue) : {};
  const secretError = sentence(problems[info.secretKey]);

  return (
    <Collapse label={label} isOpen={open} onToggle={() => setOpen(!open)}>
      {/* Fields without their own margin, spaced by the stack (as Grafana's own forms). */}
      <Box paddingBottom={1}>
        <Stack direction="column" gap={2} data-testid={`${idp}-section`}>
          <Text element="p" color="secondary">
            {info.description}{' '}
            <TextLink href={info.docsUrl} external inline>
              API documentation
            </TextLink>
          </Text>
          <Field label={`Enable ${info.label}`} htmlFor={`${idp}-enabled`} noMargin>
            <Switch
              id={`${idp}-enabled`}
              value={enabled}
              onChange={(e: React.FormEvent<HTMLInputElement>) => {
                const on = e.currentTarget.checked;
                onChange({ enabled: on });
                if (on) {
                  setOpen(true);
                }
              }}
            />
          </Field>
          {enabled && (
            <>
              {info.configFields.map((f) => (
                <ConfigFieldEditor
                  key={f}
                  field={f}
                  info={info}
                  settings={settings}
                  problems={problems}
                  onChange={onChange}
                />
              ))}
              <Field
                label={info.secretLabel}
                description={info.secretHelp}
                required
                invalid={!!secretError}
                error={secretError}
                htmlFor={`${idp}-secret`}
                noMargin
              >
                <SecretInput
                  id={`${idp}-secret`}
                  isConfigured={secretConfigured}
                  value={secretValue}
                  placeholder={secretConfigured ? 'configured' : `Paste the ${info.secretLabel.toLowerCase()}`}
                  width={FIELD_WIDTH}
                  onReset={onSecretReset}
                  onChange={(e: ChangeEvent<HTMLInputElement>) => onSecretChange(e.currentTarget.value)}
                />
              </Field>
            </>
          )}
        </Stack>
      </Box>
    </Collapse>
  );
}

interface ConfigFieldEditorProps {
  field: ProviderInfo['configFields'][number];
  info: ProviderInfo;
  settings: ProviderSettings;
  problems: SettingProblems;
  onChange: (patch: Partial<ProviderSettings>) => void;
}

function ConfigFieldEditor({ field, info, settings, problems, onChange }: ConfigFieldEditorProps) {
  const id = `config-${info.id}-${field}`;
  const text = (key: 'url' | 'instance' | 'clientId' | 'accountGroupId') => ({
    id,
    width: FIELD_WIDTH,
    value: settings[key] ?? '',
    onChange: (e: ChangeEvent<HTMLInputElement>) => onChange({ [key]: e.currentTarget.value }),
  });

  switch (field) {
    case 'instance': {
      const error = sentence(problems.instance);
      return (
        <Field
          label="Instance"
          description="Your Domo instance name, the part before .domo.com (acme for https://acme.domo.com). Required unless a URL is set below."
          required
          invalid={!!error}
          error={error}
          htmlFor={id}
          noMargin
        >
          <Input {...text('instance')} placeholder="acme" />
        </Field>
      );
    }
    case 'clientId':
      return (
        <Field
          label="Client ID"
          description="The id of the OAuth client made on developer.domo.com with the audit scope."
          required
          htmlFor={id}
          noMargin
        >
          <Input {...text('clientId')} placeholder="00000000-0000-0000-0000-000000000000" />
        </Field>
      );
    case 'url': {
      const required = info.defaultUrl === undefined;
      const error = sentence(problems.url);
      const def = info.id === 'domo' ? effectiveUrl('domo', { instance: settings.instance }) : info.defaultUrl;
      return (
        <Field
          label={required ? `${info.label} URL` : 'URL'}
          description={
            required
              ? 'The address of your Domino deployment (Domino Cloud or self-hosted).'
              : `Optional. Replaces the default host ${def ?? info.defaultUrl} (proxies, self-hosted gateways, the simulator).`
          }
          required={required}
          invalid={!!error}
          error={error}
          htmlFor={id}
          noMargin
        >
          <Input {...text('url')} placeholder={required ? 'https://domino.example.com' : (def ?? info.defaultUrl)} />
        </Field>
      );
    }
    case 'authType': {
      const error = sentence(problems.authType);
      return (
        <Field
          label="Credential type"
          description="How the token below is sent: Authorization: Bearer, or the legacy X-Domino-Api-Key header."
          invalid={!!error}
          error={error}
          noMargin
        >
          {/* A fragment: Field passes its invalid flag to an element child, not to a fragment. */}
          <>
            <div id={id}>
              <RadioButtonGroup
                options={AUTH_TYPES}
                value={settings.authType ?? 'bearer'}
                onChange={(v) => onChange({ authType: v })}
              />
            </div>
          </>
        </Field>
      );
    }
    case 'region':
      return <DatafoldRegionField id={id} settings={settings} error={sentence(problems.url)} onChange={onChange} />;
    case 'accountGroupId':
      return (
        <Field
          label="Account group ID"
          description="Optional. The account group (aid) to read; empty reads the token user's default account group. Queries can choose another one or all of them."
          htmlFor={id}
          noMargin
        >
          <Input {...text('accountGroupId')} placeholder="1234" />
        </Field>
      );
  }
  return null;
}

function DatafoldRegionField({
  id,
  settings,
  error,
  onChange,
}: {
  id: string;
  settings: ProviderSettings;
  /** The problem with the URL, shown under the dedicated URL. */
  error?: string;
  onChange: (patch: Partial<ProviderSettings>) => void;
}) {
  const [custom, setCustom] = useState(datafoldRegion(settings.url) === 'custom');
  const region: DatafoldRegion = custom ? 'custom' : datafoldRegion(settings.url);

  const onRegion = (r: DatafoldRegion) => {
    setCustom(r === 'custom');
    if (r === 'us') {
      onChange({ url: DATAFOLD_US_URL });
    } else if (r === 'eu') {
      onChange({ url: DATAFOLD_EU_URL });
    } else if (datafoldRegion(settings.url) !== 'custom') {
      onChange({ url: '' });
    }
  };

  return (
    <>
      <Field label="Region" description="Where your Datafold organization lives." noMargin>
        <div id={`${id}-region`}>
          <RadioButtonGroup options={REGIONS} value={region} onChange={onRegion} />
        </div>
      </Field>
      {custom && (
        <Field
          label="Datafold URL"
          description="Your dedicated Datafold domain."
          required
          invalid={!!error}
          error={error}
          htmlFor={`${id}-url`}
          noMargin
        >
          <Input
            id={`${id}-url`}
            width={FIELD_WIDTH}
            value={settings.url ?? ''}
            placeholder="https://datafold.example.com"
            onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ url: e.currentTarget.value })}
          />
        </Field>
      )}
    </>
  );
}

type NumberKey = 'maxEvents' | 'concurrency' | 'cacheTTLSeconds' | 'cacheMaxMB';

function LimitsSection({
  jsonData,
  onChange,
}: {
  jsonData: AuditDataSourceOptions;
  onChange: (patch: Partial<AuditDataSourceOptions>) => void;
}) {
  const [advanced, setAdvanced] = useState(false);
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
    <Stack direction="column" gap={2}>
      <Field
        label="Max events"
        description={`Most events one query reads (default ${SETTINGS_DEFAULTS.maxEvents}). A query that reaches it shows a notice with partial results; protects Grafana from huge ranges.`}
        htmlFor="config-maxEvents"
        noMargin
      >
        {numberInput('maxEvents')}
      </Field>
      <Collapse label="Advanced" isOpen={advanced} onToggle={() => setAdvanced(!advanced)}>
        <Box paddingBottom={1}>
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
        </Box>
      </Collapse>
    </Stack>
  );
}
