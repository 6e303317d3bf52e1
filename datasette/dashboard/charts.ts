// Observable Plot charts of the dashboard. Each builder takes rows already
// shaped by series.ts and a width in pixels, and returns an SVG or figure
// element. Days are UTC, and every chart has labelled axes and a tooltip.

import * as Plot from '@observablehq/plot';
import type { DayPoint } from './series.js';
import {
  byteUnit,
  formatBytes,
  formatCount,
  formatDay,
  formatDecimal,
  formatPercent,
} from './format.js';

const HALF_DAY_MS = 43_200_000;
const DAY_MS = 86_400_000;

/** One day of traffic over every path, with days without requests as zeros. */
export interface TrafficDay {
  readonly day: string;
  readonly date: Date;
  readonly requests: number;
  readonly bytes: number;
  readonly cacheHits: number;
}

export interface CountRow {
  readonly label: string;
  readonly requests: number;
}

const BAR_FILL = '#9ecae1';
/** Lighter fill of today's bar, whose count grows until the day's last log file is loaded. */
const TODAY_FILL = '#deebf7';
const LINE_STROKE = '#08519c';

function midday(date: Date): Date {
  return new Date(date.getTime() + HALF_DAY_MS);
}

/**
 * Draws requests per day as one bar per day with the trailing average as a
 * line. The tooltip follows the pointer along x and shows the day, the count
 * and the average. Today's count is incomplete, so its bar has a lighter fill
 * and its tooltip adds "(today, still counting)".
 */
export function hitsChart(
  points: readonly DayPoint[],
  window: number,
  today: string,
  width: number,
): Element {
  const tipLines = (point: DayPoint): string =>
    [
      formatDay(point.day) + (point.day === today ? ' (today, still counting)' : ''),
      `${formatCount(point.requests)} requests`,
      point.average === null
        ? `${window}-day average: no logs yet`
        : `${window}-day average: ${formatDecimal(point.average)}`,
    ].join('\n');

  return Plot.plot({
    width,
    height: 340,
    marginLeft: 64,
    x: { type: 'utc', label: 'Day (UTC)' },
    // Counts are whole numbers, so a peak day under 10 requests gets that many ticks, in steps of 1.
    y: { grid: true, label: 'Requests per day', tickFormat: '~s', ticks: tickCount(points) },
    marks: [
      Plot.rectY(points, {
        x1: 'date',
        x2: (point: DayPoint) => new Date(point.date.getTime() + DAY_MS),
        y: 'requests',
        fill: (point: DayPoint) => (point.day === today ? TODAY_FILL : BAR_FILL),
        insetLeft: points.length > 120 ? 0 : 0.5,
        className: 'daily-hits',
      }),
      Plot.lineY(points, {
        x: (point: DayPoint) => midday(point.date),
        y: 'average',
        stroke: LINE_STROKE,
        strokeWidth: 2,
        className: 'rolling-average',
      }),
      Plot.ruleY([0]),
      Plot.tip(
        points,
        Plot.pointerX({
          x: (point: DayPoint) => midday(point.date),
          y: 'requests',
          title: tipLines,
          className: 'hits-tip',
        }),
      ),
    ],
  });
}

/** Draws bytes sent per day as an area, in the unit that suits the largest day. */
export function bandwidthChart(days: readonly TrafficDay[], width: number): Element {
  const largest = Math.max(0, ...days.map((day) => day.bytes));
  const unit = byteUnit(largest);
  // Plot 0.6 labels the only tick of a [0, 0] domain "0.000000", so days
  // without any bytes get the axis 0 to 1 instead.
  const zeroAxis = largest === 0 ? { domain: [0, 1], ticks: 1 } : {};

  return Plot.plot({
    width,
    height: 220,
    marginLeft: 64,
    x: { type: 'utc', label: 'Day (UTC)' },
    y: { grid: true, label: `${unit.name} sent per day`, ...zeroAxis },
    marks: [
      Plot.areaY(days, {
        x: (day: TrafficDay) => midday(day.date),
        y: (day: TrafficDay) => day.bytes / unit.size,
        fill: BAR_FILL,
        curve: 'step',
      }),
      Plot.ruleY([0]),
      Plot.tip(
        days,
        Plot.pointerX({
          x: (day: TrafficDay) => midday(day.date),
          y: (day: TrafficDay) => day.bytes / unit.size,
          title: (day: TrafficDay) => `${formatDay(day.day)}\n${formatBytes(day.bytes)}`,
        }),
      ),
    ],
  });
}

/** Draws the share of requests served from the CloudFront cache, per day. */
export function cacheChart(days: readonly TrafficDay[], width: number): Element {
  const ratio = (day: TrafficDay): number | null =>
    day.requests === 0 ? null : (100 * day.cacheHits) / day.requests;

  return Plot.plot({
    width,
    height: 220,
    marginLeft: 64,
    x: { type: 'utc', label: 'Day (UTC)' },
    y: { grid: true, domain: [0, 100], label: 'Cache hits, % of requests' },
    marks: [
      Plot.lineY(days, { x: (day: TrafficDay) => midday(day.date), y: ratio, stroke: LINE_STROKE }),
      Plot.tip(
        days,
        Plot.pointerX({
          x: (day: TrafficDay) => midday(day.date),
          y: ratio,
          title: (day: TrafficDay) =>
            `${formatDay(day.day)}\n` +
            (day.requests === 0
              ? 'no requests'
              : `${formatPercent(day.cacheHits / day.requests)} of ${formatCount(day.requests)}`),
        }),
      ),
    ],
  });
}

/** Colours a status code by its class: 2xx green, 3xx blue, 4xx orange, 5xx and 0 red. */
function statusColor(status: number): string {
  if (status >= 200 && status < 300) return '#31a354';
  if (status >= 300 && status < 400) return '#3182bd';
  if (status >= 400 && status < 500) return '#e6550d';
  return '#de2d26';
}

/** Draws requests per status code as horizontal bars labelled with their share. */
export function statusChart(rows: readonly CountRow[], width: number): Element {
  const total = rows.reduce((sum, row) => sum + row.requests, 0);
  return horizontalBars(rows, width, 'Requests', {
    fill: (row: CountRow) => statusColor(Number(row.label)),
    label: (row: CountRow) => formatPercent(row.requests / total),
    yLabel: 'HTTP status',
  });
}

/** Draws requests per CloudFront edge location as horizontal bars. */
export function locationsChart(rows: readonly CountRow[], width: number): Element {
  const total = rows.reduce((sum, row) => sum + row.requests, 0);
  return horizontalBars(rows, width, 'Requests', {
    fill: () => BAR_FILL,
    label: (row: CountRow) => formatPercent(row.requests / total),
    yLabel: 'Edge location',
  });
}

interface BarStyle {
  readonly fill: (row: CountRow) => string;
  readonly label: (row: CountRow) => string;
  readonly yLabel: string;
}

function horizontalBars(
  rows: readonly CountRow[],
  width: number,
  xLabel: string,
  style: BarStyle,
): Element {
  return Plot.plot({
    width,
    height: 40 + rows.length * 24,
    marginLeft: 90,
    marginRight: 56,
    x: { grid: true, label: xLabel, tickFormat: '~s' },
    y: { label: style.yLabel, domain: rows.map((row) => row.label) },
    marks: [
      Plot.barX(rows, { x: 'requests', y: 'label', fill: style.fill }),
      Plot.text(rows, {
        x: 'requests',
        y: 'label',
        text: style.label,
        textAnchor: 'start',
        dx: 4,
      }),
      Plot.ruleX([0]),
      Plot.tip(
        rows,
        Plot.pointerY({
          x: 'requests',
          y: 'label',
          title: (row: CountRow) => `${row.label}\n${formatCount(row.requests)} requests`,
        }),
      ),
    ],
  });
}

/** Returns the y tick count of the hits chart: at most 10, and no more than the highest day. */
function tickCount(points: readonly DayPoint[]): number {
  const peak = Math.max(0, ...points.map((point) => point.requests));
  return Math.max(1, Math.min(10, peak));
}
