import React, { ChangeEvent, useState } from 'react';
import { SelectableValue } from '@grafana/data';
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
  possessive,
  ProviderInfo,
  SettingProblems,
} from '../providers';
import { DominoAuthType, ProviderSettings } from '../types';
import { NumberField, parseWholeNumber } from './NumberField';

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

export interface ProviderSectionProps {
  info: ProviderInfo;
  settings: ProviderSettings;
  secretConfigured: boolean;
  secretValue: string;
  onChange: (patch: Partial<ProviderSettings>) => void;
  onSecretChange: (value: string) => void;
  onSecretReset: () => void;
}

/**
 * One provider's section: a header with its state, opened to enable it and
 * fill in its settings, its credential and its request rate.
 */
export function ProviderSection(props: ProviderSectionProps) {
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
              <RateField id={`${idp}-requestsPerMinute`} info={info} settings={settings} onChange={onChange} />
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

/** What an empty request rate means for a provider, and -1. */
function rateText(info: ProviderInfo): string {
  return info.documentedRate
    ? `Optional. Empty: ${possessive(info.label)} documented limit, ${info.documentedRate} requests per minute; -1: no pacing.`
    : `Optional. Empty or -1: no pacing (${info.label} documents no rate limit).`;
}

const parseRate = (text: string) => {
  const r = parseWholeNumber(text, 'A whole number of requests per minute, or -1 for no pacing');
  if (r.value !== undefined && r.value < -1) {
    return { error: 'A whole number of requests per minute, or -1 for no pacing' };
  }
  // 0 asks for the documented rate, as empty does.
  return r.value === 0 ? {} : r;
};

/** jsonData.providers.<id>.requestsPerMinute: how fast the backend may call the vendor. */
function RateField({
  id,
  info,
  settings,
  onChange,
}: {
  id: string;
  info: ProviderInfo;
  settings: ProviderSettings;
  onChange: (patch: Partial<ProviderSettings>) => void;
}) {
  return (
    <NumberField
      id={id}
      label="Requests per minute"
      description={rateText(info)}
      tooltip={`The most requests per minute the backend sends to ${info.label} for this data source, shared by every dashboard, alert and look-up. Lower it when other tools use the same API quota; raise it if your ${info.label} plan allows more.`}
      value={settings.requestsPerMinute}
      placeholder={info.documentedRate ? String(info.documentedRate) : 'No pacing'}
      parse={parseRate}
      onChange={(requestsPerMinute) => onChange({ requestsPerMinute })}
    />
  );
}
