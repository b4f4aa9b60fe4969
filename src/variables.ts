/**
 * Dashboard variables on this data source: a custom editor
 * (components/VariableQueryEditor.tsx) and values from the backend look-ups
 * through DataSource.metricFindQuery.
 */
import { CustomVariableSupport, DataQueryRequest, DataQueryResponse } from '@grafana/data';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { AuditDataSourceOptions, AuditQuery } from './types';
import { AuditVariableQuery, DEFAULT_VARIABLE_QUERY } from './variableQuery';

export class AuditVariableSupport extends CustomVariableSupport<
  DataSource,
  AuditVariableQuery,
  AuditQuery,
  AuditDataSourceOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  getDefaultQuery(): Partial<AuditVariableQuery> {
    return { ...DEFAULT_VARIABLE_QUERY };
  }

  /** The variable's values as MetricFindValue text/value pairs. */
  query(request: DataQueryRequest<AuditVariableQuery>): Observable<DataQueryResponse> {
    // Old dashboards may store the query as a plain string; metricFindQuery migrates it.
    const target: unknown = request.targets[0];
    return from(this.datasource.metricFindQuery(target, { scopedVars: request.scopedVars, range: request.range })).pipe(
      map((data) => ({ data }))
    );
  }
}
