import React, { useCallback, useRef, useState } from 'react';
import { ComboboxOption, MultiCombobox } from '@grafana/ui';
import { EditorField } from '@grafana/plugin-ui';

import { DataSource, errorMessage } from '../datasource';
import { LookupWindow } from '../lookupWindow';
import { LookupKind } from '../types';
import { matchesSearch, templateVariableOptions } from './templateVariables';

export interface LookupFieldProps {
  kind: LookupKind;
  label: string;
  tooltip: string;
  values: string[];
  provider: string;
  /** The dashboard's time range as the look-up's span; the backend's default (the last day) when unset. */
  span?: LookupWindow;
  /** Offer the dashboard's template variables (not in alert rules). */
  withVariables: boolean;
  datasource: DataSource;
  refId: string;
  onChange: (values: string[]) => void;
}

/** An option that only informs (not selectable). */
const info = (label: string): ComboboxOption<string> => ({ value: '\u0000info', label, infoOption: true });

/**
 * A multi-value filter whose choices come from the backend (values seen in
 * the dashboard's time range), asked for when the menu opens. Any value can
 * be typed (Enter, or "Use custom value"), and template variables are
 * offered. A failed look-up is shown under the field; typing still works.
 */
export function LookupField(props: LookupFieldProps) {
  const { kind, label, tooltip, values, provider, span, withVariables, datasource, refId, onChange } = props;
  const from = span?.from;
  const to = span?.to;
  const key = `${provider}\u0000${from ?? ''}\u0000${to ?? ''}`;
  const [error, setError] = useState<{ key: string; message: string }>();
  // Labels of the values the backend answered ("Ana Silva (ana@example.com)" for "Ana Silva").
  const [labels, setLabels] = useState<Map<string, string>>(() => new Map());
  // A look-up that failed is not asked again while the user types, only when the menu reopens.
  const failedKey = useRef<string>();

  const loadOptions = useCallback(
    async (search: string): Promise<Array<ComboboxOption<string>>> => {
      const lookupKey = `${provider}\u0000${from ?? ''}\u0000${to ?? ''}`;
      let loaded: Array<ComboboxOption<string>> = [];
      let failed = false;
      if (search === '' || failedKey.current !== lookupKey) {
        try {
          const found = await datasource.getLookup(
            kind,
            provider,
            from !== undefined && to !== undefined ? { from, to } : undefined
          );
          failedKey.current = undefined;
          setError(undefined);
          loaded = found.map((o) => ({ value: o.value, label: o.label }));
          setLabels((old) => {
            const next = new Map(old);
            found.forEach((o) => next.set(o.value, o.label));
            return next;
          });
        } catch (err) {
          failedKey.current = lookupKey;
          setError({ key: lookupKey, message: errorMessage(err) });
          failed = true;
        }
      } else {
        failed = true;
      }
      const variables = withVariables ? templateVariableOptions() : [];
      const shown = [...loaded, ...variables].filter((o) => matchesSearch(o, search));
      if (search === '' && loaded.length === 0) {
        shown.unshift(
          info(failed ? 'Suggestions unavailable: type a value' : 'Nothing seen in this time range: type a value')
        );
      }
      return shown;
    },
    [datasource, kind, provider, from, to, withVariables]
  );

  const shownError = error?.key === key ? error.message : undefined;

  // Enter adds the typed text when no option is highlighted (MultiCombobox
  // itself selects only a highlighted option), as the filters did before.
  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    const input = e.target as HTMLInputElement;
    if (e.key !== 'Enter' || input.tagName !== 'INPUT' || input.getAttribute('aria-activedescendant')) {
      return;
    }
    const typed = input.value.trim();
    if (typed !== '' && !values.includes(typed)) {
      onChange([...values, typed]);
    }
  };
  const id = `audit-${kind}-${refId}`;
  return (
    <EditorField
      label={label}
      tooltip={tooltip}
      width={30}
      htmlFor={id}
      invalid={!!shownError}
      error={shownError ? `Could not load suggestions (${shownError}); you can still type values.` : undefined}
    >
      {/* A fragment: Field hands its invalid flag to an element child, which a div cannot take. */}
      <>
        <div onKeyDown={onKeyDown}>
          <MultiCombobox<string>
            id={id}
            invalid={!!shownError}
            options={loadOptions}
            value={values.map((v) => ({ value: v, label: labels.get(v) ?? v }))}
            createCustomValue
            isClearable
            width="auto"
            minWidth={36}
            maxWidth={72}
            placeholder={`Every ${label.toLowerCase().replace(/s$/, '')}`}
            onChange={(items) =>
              onChange(items.map((i) => i.value).filter((v): v is string => typeof v === 'string' && v.trim() !== ''))
            }
          />
        </div>
      </>
    </EditorField>
  );
}
