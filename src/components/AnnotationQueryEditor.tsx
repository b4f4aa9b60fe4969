import React from 'react';
import { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { Stack, Text } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { AuditDataSourceOptions, AuditQuery } from '../types';
import { QueryEditor } from './QueryEditor';

export type AnnotationQueryEditorProps = QueryEditorProps<DataSource, AuditQuery, AuditDataSourceOptions> & {
  annotation?: AnnotationQuery<AuditQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<AuditQuery>) => void;
};

/**
 * The annotation query: the query editor without the format choice (an
 * annotation query always reads the event table), and what each event
 * becomes. Grafana shows its field mappings below it.
 */
export function AnnotationQueryEditor(props: AnnotationQueryEditorProps) {
  const { query, onChange } = props;
  return (
    <Stack direction="column" gap={1}>
      <QueryEditor
        {...props}
        query={{ ...query, format: 'table' }}
        onChange={(q) => onChange({ ...q, format: 'table' })}
        fixedFormat="table"
      />
      <Text element="p" variant="bodySmall" color="secondary">
        Each audit event becomes an annotation: title = event, text = message and user, tags = user, object type and
        provider. Use the mappings below to pick other fields.
      </Text>
    </Stack>
  );
}
