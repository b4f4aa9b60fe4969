import React, { useState } from 'react';
import { Input } from '@grafana/ui';

export interface CommitInputProps {
  id: string;
  value: string;
  /** Called with the text when the user is done with it: Enter or leaving the field. */
  onCommit: (value: string) => void;
  placeholder?: string;
  width?: number;
  type?: string;
  min?: number;
  max?: number;
  disabled?: boolean;
}

/**
 * A text input that reports its value (and so runs the query) when the user
 * is done typing: on Enter or on blur, not on every key. A new value from
 * outside replaces the text.
 */
export function CommitInput({ value, onCommit, ...rest }: CommitInputProps) {
  const [text, setText] = useState(value);
  // The text last handed over (or given): Enter then blur reports it once,
  // and a text the parent refused can be corrected back to the old value.
  const [committed, setCommitted] = useState(value);
  // A new value from outside replaces the text.
  const [given, setGiven] = useState(value);
  if (value !== given) {
    setGiven(value);
    setCommitted(value);
    setText(value);
  }

  const commit = () => {
    if (text !== committed) {
      setCommitted(text);
      onCommit(text);
    }
  };

  return (
    <Input
      {...rest}
      value={text}
      onChange={(e: React.ChangeEvent<HTMLInputElement>) => setText(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e: React.KeyboardEvent<HTMLInputElement>) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit();
        }
      }}
    />
  );
}
