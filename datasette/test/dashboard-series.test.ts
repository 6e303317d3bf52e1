// The dashboard's pure parts: the view state's URL round trip, the day span of
// each range preset, and the zero-filled daily series with its trailing mean.

import { dailySeries } from '../dashboard/series.js';
import {
  daySpan,
  formatState,
  InvalidRangeError,
  parseState,
  type ViewState,
} from '../dashboard/state.js';

const NOW = new Date('2026-03-10T15:00:00Z');

function state(overrides: Partial<ViewState> = {}): ViewState {
  return { ...parseState(''), ...overrides };
}

describe('view state', () => {
  test('defaults to this year, every host and a 7-day average', () => {
    expect(parseState('')).toEqual({
      path: '',
      host: '',
      range: 'year',
      start: '',
      end: '',
      window: 7,
      database: '',
    });
  });

  test('round-trips through the query string', () => {
    const custom = state({
      path: '/lib/a b.js',
      host: 'cdn.example.com',
      range: 'custom',
      start: '2026-02-01',
      end: '2026-02-28',
      window: 28,
    });

    expect(parseState(formatState(custom))).toEqual(custom);
  });

  test('leaves defaults out of the query string', () => {
    expect(formatState(state())).toBe('');
    expect(formatState(state({ range: '30d' }))).toBe('?range=30d');
  });

  test('ignores unknown range and window values', () => {
    const parsed = parseState('?range=decade&avg=3');

    expect(parsed.range).toBe('year');
    expect(parsed.window).toBe(7);
  });
});

describe('day span', () => {
  test('this year runs from 1 January to today', () => {
    expect(daySpan(state(), NOW)).toEqual({ start: '2026-01-01', end: '2026-03-10' });
  });

  test('last 30 days ends today', () => {
    expect(daySpan(state({ range: '30d' }), NOW)).toEqual({
      start: '2026-02-09',
      end: '2026-03-10',
    });
  });

  test('custom range keeps its days', () => {
    const custom = state({ range: 'custom', start: '2025-12-30', end: '2026-01-02' });

    expect(daySpan(custom, NOW)).toEqual({ start: '2025-12-30', end: '2026-01-02' });
  });

  test.each([
    ['2026-02-30', '2026-03-01'],
    ['', '2026-03-01'],
    ['2026-03-02', '2026-03-01'],
  ])('custom range %p to %p is rejected', (start, end) => {
    expect(() => daySpan(state({ range: 'custom', start, end }), NOW)).toThrow(InvalidRangeError);
  });
});

describe('daily series', () => {
  const span = { start: '2026-01-08', end: '2026-01-10' };
  const counts = [
    { day: '2026-01-02', requests: 7 },
    { day: '2026-01-05', requests: 14 },
    { day: '2026-01-08', requests: 21 },
    { day: '2026-01-10', requests: 7 },
  ];

  test('has one point per day with missing days as zero', () => {
    const points = dailySeries(counts, span, 7, '2026-01-01');

    expect(points.map((point) => [point.day, point.requests])).toEqual([
      ['2026-01-08', 21],
      ['2026-01-09', 0],
      ['2026-01-10', 7],
    ]);
  });

  test('averages the window ending on each day', () => {
    const points = dailySeries(counts, span, 7, '2026-01-01');

    // 2026-01-02 .. 2026-01-08: 7 + 14 + 21 over 7 days.
    expect(points[0].average).toBeCloseTo(6, 10);
    // 2026-01-04 .. 2026-01-10: 14 + 21 + 7 over 7 days.
    expect(points[2].average).toBeCloseTo(6, 10);
  });

  test('shortens the window before the first logged day', () => {
    const points = dailySeries(counts, span, 28, '2026-01-02');

    // 2026-01-02 .. 2026-01-08 is 7 days with 42 requests.
    expect(points[0].average).toBeCloseTo(6, 10);
  });

  test('has no average before the first logged day', () => {
    const points = dailySeries([], span, 7, '2026-01-09');

    expect(points[0].average).toBeNull();
    expect(points[1].average).toBe(0);
  });

  test('has no average when nothing is logged', () => {
    expect(dailySeries([], span, 7, null).every((point) => point.average === null)).toBe(true);
  });
});
