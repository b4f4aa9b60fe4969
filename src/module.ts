import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { AuditDataSourceOptions, AuditQuery, AuditSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, AuditQuery, AuditDataSourceOptions, AuditSecureJsonData>(
  DataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
