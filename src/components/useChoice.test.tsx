import { act, renderHook } from '@testing-library/react';

import { useChoice } from './useChoice';

const option = (value: string) => ({ value, label: value });

describe('useChoice', () => {
  it('hands a choice on once, however often the Combobox reports it', () => {
    const onChoose = jest.fn();
    const { result, rerender } = renderHook(({ current }) => useChoice(current, onChoose), {
      initialProps: { current: '' },
    });
    const stale = result.current;
    act(() => stale(option('domo')));
    // The same selection reported again, before and after the parent took it.
    act(() => stale(option('domo')));
    rerender({ current: 'domo' });
    act(() => stale(option('domo')));
    act(() => result.current(option('domo')));
    expect(onChoose.mock.calls).toEqual([['domo']]);
  });

  it('takes a new choice, and an earlier one again once the value changed elsewhere', () => {
    const onChoose = jest.fn();
    const { result, rerender } = renderHook(({ current }) => useChoice(current, onChoose), {
      initialProps: { current: 'domo' },
    });
    act(() => result.current(option('datafold')));
    rerender({ current: 'datafold' });
    // A query example sets another provider; picking Datafold again is a change.
    rerender({ current: 'thousandeyes' });
    act(() => result.current(option('datafold')));
    act(() => result.current(null));
    expect(onChoose.mock.calls).toEqual([['datafold'], ['datafold']]);
  });
});
