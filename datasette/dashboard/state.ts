// The dashboard's view state (path, host, date range, average window) and its
// round trip through the page URL, so a copied address opens the same view.

/** Date range presets. `custom` uses the start and end days from the URL. */
export type RangePreset = 'year' | '30d' | 'custom';

/** Days in the rolling average drawn over hits per day. */
export type AverageWindow = 7 | 28;

export const AVERAGE_WINDOWS: readonly AverageWindow[] = [7, 28];

export interface ViewState {
  /** URI path of the first chart, or '' for the most requested .js file. */
  readonly path: string;
  /** Viewer-facing host header, or '' for every host. */
  readonly host: string;
  readonly range: RangePreset;
  /** First day for the `custom` range, YYYY-MM-DD. */
  readonly start: string;
  /** Last day for the `custom` range, YYYY-MM-DD. */
  readonly end: string;
  readonly window: AverageWindow;
  /** Datasette database name, or '' for the first database with the dashboard's queries. */
  readonly database: string;
}

/** Inclusive UTC day span that the queries read. */
export interface DaySpan {
  readonly start: string;
  readonly end: string;
}

export class InvalidRangeError extends Error {}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** Formats a time as its UTC day, YYYY-MM-DD. */
export function toDay(time: Date | number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Returns the day `count` days after `day` (negative counts go back). */
export function addDays(day: string, count: number): string {
  return toDay(Date.parse(`${day}T00:00:00Z`) + count * DAY_MS);
}

function isDay(value: string): boolean {
  return DAY_PATTERN.test(value) && toDay(Date.parse(`${value}T00:00:00Z`) || 0) === value;
}

/** Reads the view state from a query string. Unknown or malformed values fall back to defaults. */
export function parseState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const range = params.get('range');
  const window = Number(params.get('avg'));
  return {
    path: params.get('path') ?? '',
    host: params.get('host') ?? '',
    range: range === '30d' || range === 'custom' ? range : 'year',
    start: params.get('start') ?? '',
    end: params.get('end') ?? '',
    window: window === 28 ? 28 : 7,
    database: params.get('db') ?? '',
  };
}

/** Writes the view state as a query string, leaving out values equal to the defaults. */
export function formatState(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.database) params.set('db', state.database);
  if (state.path) params.set('path', state.path);
  if (state.host) params.set('host', state.host);
  if (state.range !== 'year') params.set('range', state.range);
  if (state.range === 'custom') {
    params.set('start', state.start);
    params.set('end', state.end);
  }
  if (state.window !== 7) params.set('avg', String(state.window));
  const query = params.toString();
  return query ? `?${query}` : '';
}

/**
 * Resolves the state's range to days: `year` is 1 January of the current UTC
 * year to today, `30d` the 30 days ending today. Throws InvalidRangeError for a
 * custom range with a missing or malformed day or with its start after its end.
 */
export function daySpan(state: ViewState, now: Date): DaySpan {
  const today = toDay(now);
  if (state.range === 'year') return { start: `${today.slice(0, 4)}-01-01`, end: today };
  if (state.range === '30d') return { start: addDays(today, -29), end: today };

  if (!isDay(state.start) || !isDay(state.end)) {
    throw new InvalidRangeError(
      `Invalid custom range "${state.start}" to "${state.end}": enter both days as YYYY-MM-DD.`,
    );
  }
  if (state.start > state.end) {
    throw new InvalidRangeError(
      `Invalid custom range: the start ${state.start} is after the end ${state.end}.`,
    );
  }
  return { start: state.start, end: state.end };
}

/** Lists every day of the span in order. */
export function daysOf(span: DaySpan): string[] {
  const days: string[] = [];
  for (let day = span.start; day <= span.end; day = addDays(day, 1)) days.push(day);
  return days;
}
