import React, { ChangeEvent, ReactNode, useState } from 'react';
import { Field, Icon, Input, Label, Stack, Tooltip } from '@grafana/ui';

/** What a typed text stands for: a value to write (undefined = the default), or a problem. */
export type NumberParse = { value?: number; error?: string };

/** A whole number, empty meaning the default; `error` for anything else (typed text, fractions). */
export function parseWholeNumber(text: string, error: string): NumberParse {
  const s = text.trim();
  if (s === '') {
    return {};
  }
  const n = Number(s);
  return Number.isInteger(n) ? { value: n } : { error };
}

export interface NumberFieldProps {
  id: string;
  label: string;
  description?: ReactNode;
  /** Shown behind an info icon next to the label. */
  tooltip?: string;
  value?: number;
  placeholder?: string;
  /** Reads the text: the value to write, or the problem shown under the field (then the key is removed). */
  parse: (text: string) => NumberParse;
  onChange: (value: number | undefined) => void;
}

/**
 * A settings field holding a number: writes it as the user types, removes
 * the key when empty (the default applies) or when the text is not a valid
 * value, which is then named under the field.
 */
export function NumberField({
  id,
  label,
  description,
  tooltip,
  value,
  placeholder,
  parse,
  onChange,
}: NumberFieldProps) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  // A value set from elsewhere (a reset, provisioning) replaces the text;
  // the value this field wrote for the text keeps it as typed.
  const [given, setGiven] = useState(value);
  if (value !== given) {
    setGiven(value);
    if (parse(text).value !== value) {
      setText(value === undefined ? '' : String(value));
    }
  }
  const error = parse(text).error;

  const labelEl = (
    <Label htmlFor={id} description={description}>
      <Stack direction="row" gap={0.5} alignItems="center">
        <span>{label}</span>
        {tooltip && (
          <Tooltip content={tooltip} placement="top" interactive>
            <Icon name="info-circle" size="sm" tabIndex={0} />
          </Tooltip>
        )}
      </Stack>
    </Label>
  );
  return (
    <Field label={labelEl} invalid={!!error} error={error} noMargin>
      <Input
        id={id}
        type="number"
        width={20}
        value={text}
        placeholder={placeholder}
        onChange={(e: ChangeEvent<HTMLInputElement>) => {
          const t = e.currentTarget.value;
          setText(t);
          const r = parse(t);
          onChange(r.error ? undefined : r.value);
        }}
      />
    </Field>
  );
}
