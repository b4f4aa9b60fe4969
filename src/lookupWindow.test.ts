import fs from 'fs';
import path from 'path';
import { dateTime } from '@grafana/data';

import { lookupWindow, MAX_LOOKUP_DAYS, MAX_LOOKUP_SPAN_MS } from './lookupWindow';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T = Date.UTC(2026, 6, 4, 15, 0, 0);

describe('lookupWindow', () => {
  it('is the range in epoch milliseconds, widened to whole minutes', () => {
    expect(lookupWindow({ from: dateTime(T - 6 * 60 * MIN), to: dateTime(T) })).toEqual({ from: T - 360 * MIN, to: T });
    expect(lookupWindow({ from: T - 6 * 60 * MIN + 12_345, to: T - 59_000 })).toEqual({ from: T - 360 * MIN, to: T });
  });

  it('gives a relative range the same span within a minute, so one answer serves it', () => {
    const at = (now: number) => lookupWindow({ from: now - DAY, to: now });
    expect(at(T + 5_000)).toEqual(at(T + 55_000));
    expect(at(T + 65_000)).not.toEqual(at(T + 55_000));
  });

  it('cuts a range longer than 30 days to its newest 30 days', () => {
    expect(lookupWindow({ from: new Date(T - 365 * DAY), to: new Date(T) })).toEqual({ from: T - 30 * DAY, to: T });
    expect(lookupWindow({ from: T - 30 * DAY, to: T })).toEqual({ from: T - 30 * DAY, to: T });
  });

  it('is undefined without a usable range: the backend then reads its default', () => {
    expect(lookupWindow(undefined)).toBeUndefined();
    expect(lookupWindow({})).toBeUndefined();
    expect(lookupWindow({ from: T, to: T })).toBeUndefined();
    expect(lookupWindow({ from: T, to: T - MIN })).toBeUndefined();
    expect(lookupWindow({ from: NaN, to: T })).toBeUndefined();
  });

  it("matches the backend's limit (pkg/plugin/resources.go maxLookupDays)", () => {
    const src = fs.readFileSync(path.join(__dirname, '..', 'pkg', 'plugin', 'resources.go'), 'utf8');
    expect(src).toMatch(new RegExp(`maxLookupDays\\s*=\\s*${MAX_LOOKUP_DAYS}\\b`));
    expect(MAX_LOOKUP_SPAN_MS).toBe(MAX_LOOKUP_DAYS * DAY);
  });
});
