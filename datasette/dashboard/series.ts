// Turns per-day query rows into the series the charts draw: one point per day
// of the range, days without requests as zero, and the trailing average.

import { addDays, daysOf, type DaySpan } from './state.js';

export interface DayCount {
  readonly day: string;
  readonly requests: number;
}

export interface DayPoint {
  readonly day: string;
  /** Midnight UTC of the day, for the time scale. */
  readonly date: Date;
  readonly requests: number;
  /** Mean requests over the window ending on this day, or null before the first logged day. */
  readonly average: number | null;
}

/**
 * Builds one point per day of `span` with the trailing mean over `window`
 * days. `counts` may start earlier than the span so the first days get a full
 * window. Days before `firstDay` (the first day with any logged request) are
 * left out of the mean, so it is not dragged down by days with no logs at all,
 * while later days without a request count as zero.
 */
export function dailySeries(
  counts: readonly DayCount[],
  span: DaySpan,
  window: number,
  firstDay: string | null,
): DayPoint[] {
  const byDay = new Map(counts.map((row) => [row.day, row.requests]));

  return daysOf(span).map((day) => ({
    day,
    date: new Date(`${day}T00:00:00Z`),
    requests: byDay.get(day) ?? 0,
    average: trailingMean(byDay, day, window, firstDay),
  }));
}

function trailingMean(
  byDay: ReadonlyMap<string, number>,
  day: string,
  window: number,
  firstDay: string | null,
): number | null {
  if (firstDay === null || day < firstDay) return null;

  let sum = 0;
  let days = 0;
  for (let back = 0; back < window; back++) {
    const previous = addDays(day, -back);
    if (previous < firstDay) break;
    sum += byDay.get(previous) ?? 0;
    days++;
  }
  return sum / days;
}
