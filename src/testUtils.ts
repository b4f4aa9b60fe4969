/**
 * Test helpers (only imported by *.test.ts(x) files): a template service that
 * behaves like Grafana's for the cases the data source cares about, and data
 * source instance settings.
 */
import { DataSourceInstanceSettings, DataSourcePluginMeta, ScopedVars } from '@grafana/data';

import { AuditDataSourceOptions } from './types';

export interface FakeVariable {
  /** The current value: a string, several strings, or '$__all'. */
  value: string | string[];
  /** The variable's options (what "All" stands for when there is no custom all value). */
  options?: string[];
  /** A custom "All" value: Grafana inserts it as is, without calling a format function. */
  allValue?: string;
}

const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** A small stand-in for Grafana's TemplateSrv. */
export class FakeTemplateSrv {
  constructor(public vars: Record<string, FakeVariable> = {}) {}

  getVariables() {
    return Object.entries(this.vars).map(([name, v]) => ({
      name,
      type: 'custom',
      multi: Array.isArray(v.value),
      includeAll: v.options !== undefined,
      current: { value: v.value, text: v.value },
    })) as never[];
  }

  containsTemplate(target?: string) {
    return !!target && new RegExp(VARIABLE_RE.source).test(target);
  }

  updateTimeRange() {}

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(VARIABLE_RE, (match, g1, g2, g3, g4, _g5, g6) => {
      const name: string = g1 ?? g2 ?? g4;
      const fmt: string | Function | undefined = g3 ?? g6 ?? format;
      let value: unknown;
      const scoped = scopedVars?.[name];
      if (scoped) {
        value = scoped.value;
      } else {
        const v = this.vars[name];
        if (!v) {
          return match;
        }
        value = v.value;
        const isAll = value === '$__all' || (Array.isArray(value) && value.includes('$__all'));
        if (isAll) {
          if (v.allValue !== undefined) {
            return v.allValue;
          }
          value = v.options ?? [];
        }
      }
      if (typeof fmt === 'function') {
        return fmt(value, { name });
      }
      if (fmt === 'json') {
        return JSON.stringify(value);
      }
      if (fmt === 'csv') {
        return Array.isArray(value) ? value.join(',') : String(value);
      }
      // Grafana's default format for several values is a glob: {a,b}.
      if (Array.isArray(value)) {
        return value.length > 1 ? `{${value.join(',')}}` : String(value[0] ?? '');
      }
      return String(value ?? '');
    });
  }
}

export function instanceSettings(
  jsonData: AuditDataSourceOptions = {}
): DataSourceInstanceSettings<AuditDataSourceOptions> {
  return {
    uid: 'audit-uid',
    type: 'auditlens-auditlog-datasource',
    name: 'Audit Log',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: { id: 'auditlens-auditlog-datasource', name: 'Audit Log' } as DataSourcePluginMeta,
  };
}
