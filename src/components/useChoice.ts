import { useEffect, useRef } from 'react';
import { ComboboxOption } from '@grafana/ui';

/**
 * The onChange of a single-value Combobox that hands each new choice on
 * once. Combobox (through downshift) may report one selection several
 * times, from effects that still hold the render of the click; a parent
 * that runs the query on change would run it as often.
 */
export function useChoice(current: string, onChoose: (value: string) => void) {
  // The value as of the last commit, and a choice made since then.
  const latest = useRef(current);
  const chosen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (current !== latest.current) {
      latest.current = current;
      chosen.current = undefined;
    }
  }, [current]);
  return (option: ComboboxOption<string> | null) => {
    if (!option || option.value === latest.current || option.value === chosen.current) {
      return;
    }
    chosen.current = option.value;
    onChoose(option.value);
  };
}
