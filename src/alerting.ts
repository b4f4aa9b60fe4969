import { CoreApp } from '@grafana/data';

/**
 * Whether an editor is part of an alert rule (Grafana-managed or cloud).
 * Alert rules evaluate numbers over time: only the Time series format is of
 * use there, and dashboard variables do not exist.
 */
export function isAlertingApp(app?: string): boolean {
  return app === CoreApp.UnifiedAlerting || app === CoreApp.CloudAlerting;
}
