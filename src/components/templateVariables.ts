import { ComboboxOption } from '@grafana/ui';
import { getTemplateSrv } from '@grafana/runtime';

/** The dashboard's template variables as choices ($name); none where there is no dashboard. */
export function templateVariableOptions(): Array<ComboboxOption<string>> {
  try {
    return getTemplateSrv()
      .getVariables()
      .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Template variable' }));
  } catch {
    return [];
  }
}

/** Whether an option matches what the user typed: any part of its label or value, any case. */
export function matchesSearch(o: ComboboxOption<string>, search: string): boolean {
  const s = search.trim().toLowerCase();
  return s === '' || o.value.toLowerCase().includes(s) || (o.label ?? '').toLowerCase().includes(s);
}
