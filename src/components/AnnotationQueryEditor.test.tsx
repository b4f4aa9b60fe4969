import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { AnnotationQueryEditor } from './AnnotationQueryEditor';
import { DataSource } from '../datasource';
import { FakeTemplateSrv, instanceSettings } from '../testUtils';
import { AuditQuery } from '../types';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => new FakeTemplateSrv(),
}));

describe('AnnotationQueryEditor', () => {
  it('edits a table query without a format choice or examples, and explains the mapping', () => {
    const ds = new DataSource(
      instanceSettings({ providers: { domo: { enabled: true }, datafold: { enabled: true } } })
    );
    jest.spyOn(ds, 'getResource').mockResolvedValue([]);
    const onChange = jest.fn();
    const onRunQuery = jest.fn();
    render(
      <AnnotationQueryEditor
        datasource={ds}
        query={{ refId: 'Anno', format: 'timeseries', groupBy: 'user' } as unknown as AuditQuery}
        onChange={onChange}
        onRunQuery={onRunQuery}
      />
    );
    expect(screen.queryByLabelText('Time series')).not.toBeInTheDocument();
    expect(screen.queryByText('Group by')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Query examples' })).not.toBeInTheDocument();
    expect(
      screen.getByText(/title = event, text = message and user, tags = user, object type and provider/)
    ).toBeInTheDocument();
    const search = screen.getByPlaceholderText('Text to find');
    fireEvent.change(search, { target: { value: 'vpn' } });
    fireEvent.blur(search);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.calls[0][0]).toMatchObject({ refId: 'Anno', format: 'table', search: 'vpn' });
    expect(onRunQuery).toHaveBeenCalled();
  });
});
