// Draws each panel of the dashboard from loaded rows into its element of the
// page template. A panel whose query failed shows why instead of its chart.

import type { Row } from './api.js';
import {
  bandwidthChart,
  cacheChart,
  hitsChart,
  locationsChart,
  statusChart,
  type CountRow,
  type TrafficDay,
} from './charts.js';
import { formatAge, formatBytes, formatCount, formatPercent, formatTime } from './format.js';
import type { Loaded, Outcome } from './load.js';
import { errorMessage, message, type Tone } from './messages.js';
import { dailySeries, type DayCount } from './series.js';
import { daysOf, formatState } from './state.js';
import { rankedTable, totalsCards, type RankedRow } from './tables.js';

/** Looks up a panel's body element by the panel's id in the page template. */
function panelBody(id: string): HTMLElement {
  const body = document.querySelector<HTMLElement>(`#${id} .panel-body`);
  if (body === null) throw new Error(`The page template has no #${id} .panel-body element.`);
  return body;
}

function chartWidth(body: HTMLElement): number {
  return Math.max(280, Math.floor(body.getBoundingClientRect().width));
}

/** Replaces a panel's content with what `draw` builds, or with the query's error. */
function fill<T>(id: string, outcome: Outcome<T>, draw: (value: T, width: number) => Node): void {
  const body = panelBody(id);
  const width = chartWidth(body);
  body.replaceChildren(
    'error' in outcome ? errorMessage(outcome.error) : draw(outcome.value, width),
  );
}

const number = (row: Row, column: string): number => Number(row[column] ?? 0);
const text = (row: Row, column: string): string => String(row[column] ?? '');

/** Fills every panel from one load. */
export function drawPanels(loaded: Loaded, now: Date): void {
  drawFreshness(loaded, now);
  drawTotals(loaded);
  drawHits(loaded);
  fill('bandwidth', loaded.daily, (rows, width) =>
    hasRequests(rows) ? bandwidthChart(trafficDays(loaded, rows), width) : none(),
  );
  fill('cache', loaded.daily, (rows, width) =>
    hasRequests(rows) ? cacheChart(trafficDays(loaded, rows), width) : none(),
  );
  fill('status', loaded.status, (rows, width) =>
    rows.length === 0 ? none() : statusChart(statusRows(rows), width),
  );
  fill('locations', loaded.locations, (rows, width) =>
    rows.length === 0 ? none() : locationsChart(countRows(rows, 'location'), width),
  );
  fill('top-paths', loaded.topPaths, (rows) => topPathsTable(loaded, rows));
  fill('top-referrers', loaded.referrers, (rows) =>
    rows.length === 0
      ? message('info', 'No request in this range carried a referrer.')
      : rankedTable(
          rows.map((row) => ({ label: text(row, 'referrer'), requests: number(row, 'requests') })),
          'Referrer',
          totalRequests(loaded),
        ),
  );
}

function none(): HTMLElement {
  return message('info', 'No requests in this range.');
}

function hasRequests(rows: readonly Row[]): boolean {
  return rows.some((row) => number(row, 'requests') > 0);
}

function countRows(rows: readonly Row[], column: string): CountRow[] {
  return rows.map((row) => ({ label: text(row, column), requests: number(row, 'requests') }));
}

/** CloudFront logs status 000 when the viewer closed the connection before a response. */
function statusRows(rows: readonly Row[]): CountRow[] {
  return countRows(rows, 'status').map((row) =>
    row.label === '0' ? { ...row, label: '000' } : row,
  );
}

function totalRequests(loaded: Loaded): number {
  if ('error' in loaded.daily) return 0;
  return loaded.daily.value.reduce((sum, row) => sum + number(row, 'requests'), 0);
}

function trafficDays(loaded: Loaded, rows: readonly Row[]): TrafficDay[] {
  const byDay = new Map(rows.map((row) => [text(row, 'day'), row]));
  return daysOf(loaded.span).map((day) => {
    const row = byDay.get(day);
    return {
      day,
      date: new Date(`${day}T00:00:00Z`),
      requests: row ? number(row, 'requests') : 0,
      bytes: row ? number(row, 'bytes') : 0,
      cacheHits: row ? number(row, 'cache_hits') : 0,
    };
  });
}

function drawHits(loaded: Loaded): void {
  const title = document.querySelector('#hits-path');
  if (title) title.textContent = loaded.path || '(no path)';

  fill('hits', loaded.pathHits, (rows, width) => {
    const counts: DayCount[] = rows.map((row) => ({
      day: text(row, 'day'),
      requests: number(row, 'requests'),
    }));
    const points = dailySeries(counts, loaded.span, loaded.state.window, loaded.firstDay);
    if (points.some((point) => point.requests > 0)) {
      return hitsChart(points, loaded.state.window, loaded.today, width);
    }

    return message(
      'info',
      `No requests for ${loaded.path || 'any .js file'} from ${loaded.span.start} to ` +
        `${loaded.span.end}. Pick a path from the list of top paths, or widen the date range.`,
    );
  });
}

function drawTotals(loaded: Loaded): void {
  const body = panelBody('totals');
  if ('error' in loaded.daily) {
    body.replaceChildren(errorMessage(loaded.daily.error));
    return;
  }
  const rows = loaded.daily.value;
  const requests = rows.reduce((sum, row) => sum + number(row, 'requests'), 0);
  const bytes = rows.reduce((sum, row) => sum + number(row, 'bytes'), 0);
  const hits = rows.reduce((sum, row) => sum + number(row, 'cache_hits'), 0);
  const errors = rows.reduce((sum, row) => sum + number(row, 'errors'), 0);
  const clients =
    'error' in loaded.clients
      ? 'unavailable'
      : formatCount(number(loaded.clients.value[0] ?? {}, 'clients'));
  const ratio = (part: number) => (requests > 0 ? formatPercent(part / requests) : '–');

  body.replaceChildren(
    totalsCards([
      { name: 'Requests', value: formatCount(requests) },
      { name: 'Bytes sent', value: formatBytes(bytes) },
      { name: 'Distinct client addresses', value: clients },
      { name: 'Cache hit ratio', value: ratio(hits) },
      { name: 'Error responses', value: ratio(errors), detail: 'status 400 and above' },
    ]),
  );
  if ('error' in loaded.clients) body.append(errorMessage(loaded.clients.error));
}

function topPathsTable(loaded: Loaded, rows: readonly Row[]): Node {
  if (rows.length === 0) return none();
  const ranked: RankedRow[] = rows.map((row) => ({
    label: text(row, 'uri'),
    requests: number(row, 'requests'),
    bytes: number(row, 'bytes'),
    href: formatState({ ...loaded.state, path: text(row, 'uri') }) || '?',
  }));
  return rankedTable(ranked, 'Path', totalRequests(loaded));
}

/** Says how old the newest request is and how the latest ingest run ended. */
function drawFreshness(loaded: Loaded, now: Date): void {
  const row = loaded.freshness;
  const newest = typeof row.newest_request === 'string' ? row.newest_request : null;
  const status = typeof row.run_status === 'string' ? row.run_status : null;
  const staleHours = newest === null ? Infinity : (now.getTime() - Date.parse(newest)) / 3_600_000;

  const parts: string[] = [];
  parts.push(
    newest === null
      ? 'No request loaded yet.'
      : `Newest request ${formatTime(newest)} (${formatAge(newest, now)}).`,
  );
  parts.push(runSummary(row, status, now));
  let tone: Tone = 'info';
  // CloudFront delivers a log file up to a few hours late and the ingest runs
  // every 6 hours, so data older than a day means the pipeline has stopped.
  if (staleHours > 24) {
    tone = 'warning';
    parts.push('The data is more than a day old: check the ingest job.');
  }
  if (status === 'failed' || status === 'interrupted') tone = 'warning';
  panelBody('freshness').replaceChildren(message(tone, parts.join(' ')));
}

function runSummary(row: Row, status: string | null, now: Date): string {
  if (status === null) return 'No ingest run recorded.';
  const id = text(row, 'run_id');
  if (status === 'running') {
    return `Ingest run ${id} is running since ${formatTime(text(row, 'run_started_at'))}.`;
  }
  const finished = text(row, 'run_finished_at') || text(row, 'run_started_at');
  const summary =
    `Last ingest run ${id} ${status === 'ok' ? 'succeeded' : status} ` +
    `${formatAge(finished, now)} with ${formatCount(number(row, 'run_rows'))} new rows`;
  const failedFiles = number(row, 'run_files_failed');
  const details = [
    failedFiles > 0 ? `${formatCount(failedFiles)} files failed` : '',
    text(row, 'run_message'),
  ].filter(Boolean);
  return details.length > 0 ? `${summary} (${details.join('; ')}).` : `${summary}.`;
}
