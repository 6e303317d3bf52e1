// The usage dashboard in headless Chromium against a real Datasette serving an
// ingested sample of this year: login, the hits/day chart checked against SQL
// on the raw requests, the controls and the URL, and the login and empty states.

import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDatasette, type RunningDatasette } from './helpers/datasette-server.js';

const PASSWORD = 'dashboard-test-password';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
const ARTIFACTS = 'test-artifacts';
const DAY_MS = 86_400_000;

let folder: string;
let db: string;
let server: RunningDatasette;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests the browser sent anywhere but the test server. */
const foreignRequests: string[] = [];

const today = new Date().toISOString().slice(0, 10);
const yearStart = `${today.slice(0, 4)}-01-01`;
const daysThisYear = (Date.parse(today) - Date.parse(yearStart)) / DAY_MS + 1;

function cli(...args: string[]): void {
  execFileSync('node', ['build/ingest/cli.js', ...args], { stdio: 'ignore' });
}

function addDays(day: string, count: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + count * DAY_MS).toISOString().slice(0, 10);
}

/** Requests per day for one path, counted on the raw rows rather than the rollups. */
function countsByDay(path: string): Map<string, number> {
  const sqlite = new Database(db, { readonly: true });
  try {
    const rows = sqlite
      .prepare('SELECT date, count(*) AS n FROM requests WHERE uri = ? GROUP BY date')
      .all(path) as { date: string; n: number }[];
    return new Map(rows.map((row) => [row.date, row.n]));
  } finally {
    sqlite.close();
  }
}

function mostRequestedJs(): string {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite
      .prepare(
        `SELECT uri FROM requests WHERE uri GLOB '*.js' AND date >= ?
         GROUP BY uri ORDER BY count(*) DESC, uri LIMIT 1`,
      )
      .pluck()
      .get(yearStart) as string;
  } finally {
    sqlite.close();
  }
}

/** Mean of the `window` days ending on `day`, leaving out days before the first logged one. */
function trailingMean(counts: Map<string, number>, day: string, window: number): number {
  const firstDay = [...counts.keys()].sort()[0];
  let sum = 0;
  let days = 0;
  for (let back = 0; back < window; back++) {
    const previous = addDays(day, -back);
    if (previous < firstDay) break;
    sum += counts.get(previous) ?? 0;
    days++;
  }
  return sum / days;
}

async function logIn(target: Page): Promise<void> {
  await target.goto(`${server.url}/-/login`);
  await target.fill('input[name=username]', 'admin');
  await target.fill('input[name=password]', PASSWORD);
  await Promise.all([
    target.waitForURL(`${server.url}/`),
    target.press('input[name=password]', 'Enter'),
  ]);
}

/** Fills in the login form on `target` and waits for the page that the form leads to. */
async function submitLogin(target: Page, password: string): Promise<void> {
  await target.fill('input[name=username]', 'admin');
  await target.fill('input[name=password]', password);
  await Promise.all([
    target.waitForEvent('framenavigated'),
    target.press('input[name=password]', 'Enter'),
  ]);
  await target.waitForLoadState('load');
}

/** Waits until the page has finished a load and shows `path` in the first chart. */
async function waitForDashboard(target: Page, path?: string): Promise<void> {
  await target.waitForFunction(
    (expected) =>
      document.body.dataset.dashboard !== 'loading' &&
      document.body.dataset.dashboard !== undefined &&
      (expected === null || document.querySelector('#hits-path')?.textContent === expected),
    path ?? null,
  );
}

async function openDashboard(search = ''): Promise<void> {
  await page.goto(`${server.url}/dashboard${search}`);
  await waitForDashboard(page);
}

/** Points at the bar of `day` and returns the tooltip's lines. */
async function tooltipFor(day: string): Promise<string[]> {
  const bars = page.locator('#hits .daily-hits rect');
  const first = (await page.inputValue('#control-start')) || yearStart;
  const index = (Date.parse(day) - Date.parse(first)) / DAY_MS;
  const box = await bars.nth(index).boundingBox();
  if (box === null) throw new Error(`The bar of ${day} (index ${index}) is not visible.`);

  const plot = await page.locator('#hits svg').first().boundingBox();
  await page.mouse.move(box.x + box.width / 2, (plot?.y ?? box.y) + (plot?.height ?? 0) / 2);
  const tip = page.locator('#hits .hits-tip tspan');
  await tip.first().waitFor();
  const lines = await tip.allTextContents();
  return lines.map((line) => line.replace(/\u200b/g, '').trim());
}

function numberIn(line: string): number {
  const match = /([\d,]+(?:\.\d+)?)/.exec(line.split(':').pop() ?? line);
  if (match === null) throw new Error(`No number in tooltip line "${line}".`);
  return Number(match[1].replace(/,/g, ''));
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'dashboard-'));
  db = join(folder, 'analytics.db');
  cli(
    'sample',
    ...['--out', join(folder, 'logs'), '--start', yearStart, '--days', String(daysThisYear)],
    ...['--files-per-day', '2', '--lines-per-file', '40', '--seed', '5'],
  );
  cli('ingest', '--source', join(folder, 'logs'), '--db', db);
  server = await startDatasette({ db, password: PASSWORD });

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on('request', (request) => {
    if (!request.url().startsWith(server.url)) foreignRequests.push(request.url());
  });
  page = await context.newPage();
  await logIn(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

test('anonymous visitor is redirected to login', async () => {
  const anonymous = await browser.newContext();
  try {
    const visitor = await anonymous.newPage();
    await visitor.goto(`${server.url}/dashboard`);

    expect(new URL(visitor.url()).pathname).toBe('/-/login');
  } finally {
    await anonymous.close();
  }
});

test('anonymous request gets no dashboard markup', async () => {
  const response = await fetch(`${server.url}/dashboard`, { redirect: 'manual' });
  const body = await response.text();

  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('/-/login?next=%2Fdashboard');
  expect(body).not.toContain('dashboard.js');
  expect(body).not.toContain('chartkit');
});

test('login from the dashboard returns to it', async () => {
  const anonymous = await browser.newContext();
  try {
    const visitor = await anonymous.newPage();
    const search = `?path=${encodeURIComponent('/docs/')}&range=30d`;
    await visitor.goto(`${server.url}/dashboard${search}`);
    expect(new URL(visitor.url()).pathname).toBe('/-/login');

    await submitLogin(visitor, 'not the password');
    expect(await visitor.textContent('.message-error')).toContain('Invalid username or password');

    await submitLogin(visitor, PASSWORD);
    expect(visitor.url()).toBe(`${server.url}/dashboard${search}`);
    await waitForDashboard(visitor, '/docs/');
    expect(await visitor.inputValue('#control-range')).toBe('30d');
  } finally {
    await anonymous.close();
  }
});

test('hits chart draws one bar per day of this year', async () => {
  await openDashboard();

  expect(await page.locator('#hits .daily-hits rect').count()).toBe(daysThisYear);
  expect(await page.inputValue('#control-start')).toBe(yearStart);
  expect(await page.inputValue('#control-end')).toBe(today);
});

test("today's bar has its own fill", async () => {
  await openDashboard();
  const fills = await page
    .locator('#hits .daily-hits rect')
    .evaluateAll((bars) => bars.map((bar) => bar.getAttribute('fill')));
  const todayFill = fills[fills.length - 1];
  const otherFills = new Set(fills.slice(0, -1));

  expect(todayFill).not.toBeNull();
  expect(otherFills.size).toBe(1);
  expect(otherFills.has(todayFill)).toBe(false);
  expect((await tooltipFor(today))[0]).toContain('(today, still counting)');
});

test('default path is the most requested .js file', async () => {
  await openDashboard();

  expect(await page.textContent('#hits-path')).toBe(mostRequestedJs());
});

test('tooltip count equals SQL count for that day', async () => {
  await openDashboard();
  const path = mostRequestedJs();
  const day = addDays(today, -Math.min(40, daysThisYear - 1));

  const lines = await tooltipFor(day);

  expect(lines[0]).toContain(day);
  expect(numberIn(lines[1])).toBe(countsByDay(path).get(day) ?? 0);
  expect(lines[1]).toMatch(/requests$/);
});

test('7-day average equals the mean of the SQL counts', async () => {
  await openDashboard();
  const counts = countsByDay(mostRequestedJs());
  const day = addDays(today, -Math.min(20, daysThisYear - 1));

  const lines = await tooltipFor(day);

  expect(lines[2]).toMatch(/^7-day average: /);
  expect(Math.abs(numberIn(lines[2]) - trailingMean(counts, day, 7))).toBeLessThanOrEqual(0.05);
});

test('28-day average equals the mean of the SQL counts', async () => {
  await openDashboard();
  await page.selectOption('#control-window', '28');
  await page.waitForURL(/avg=28/);
  await waitForDashboard(page);
  const counts = countsByDay(mostRequestedJs());
  const day = addDays(today, -Math.min(3, daysThisYear - 1));

  const lines = await tooltipFor(day);

  expect(lines[2]).toMatch(/^28-day average: /);
  expect(Math.abs(numberIn(lines[2]) - trailingMean(counts, day, 28))).toBeLessThanOrEqual(0.05);
});

test('changing the path redraws the chart', async () => {
  await openDashboard();
  const heights = async () =>
    page
      .locator('#hits .daily-hits rect')
      .evaluateAll((bars) => bars.map((bar) => bar.getAttribute('height')));
  const before = await heights();
  const path = '/docs/api.html';
  const day = addDays(today, -Math.min(10, daysThisYear - 1));

  await page.fill('#control-path', path);
  await page.press('#control-path', 'Enter');
  await waitForDashboard(page, path);
  const lines = await tooltipFor(day);

  expect(new URL(page.url()).searchParams.get('path')).toBe(path);
  expect(await heights()).not.toEqual(before);
  expect(numberIn(lines[1])).toBe(countsByDay(path).get(day) ?? 0);
});

test('top paths link to their own chart', async () => {
  await openDashboard();
  const link = page.locator('#top-paths a', { hasText: '/index.html' });

  await link.click();
  await waitForDashboard(page, '/index.html');

  expect(new URL(page.url()).searchParams.get('path')).toBe('/index.html');
});

test('URL restores range and path', async () => {
  const path = '/docs/';
  await openDashboard(`?path=${encodeURIComponent(path)}&range=30d`);

  expect(await page.textContent('#hits-path')).toBe(path);
  expect(await page.inputValue('#control-range')).toBe('30d');
  expect(await page.inputValue('#control-start')).toBe(addDays(today, -29));
  expect(await page.locator('#hits .daily-hits rect').count()).toBe(30);
});

test('custom range draws its own days', async () => {
  const start = yearStart;
  const end = addDays(yearStart, Math.min(9, daysThisYear - 1));
  await openDashboard(`?range=custom&start=${start}&end=${end}`);

  const days = (Date.parse(end) - Date.parse(start)) / DAY_MS + 1;
  expect(await page.locator('#hits .daily-hits rect').count()).toBe(days);
  expect(await page.isDisabled('#control-start')).toBe(false);
});

test('custom range with start after end says so', async () => {
  await openDashboard(`?range=custom&start=${today}&end=${yearStart}`);

  expect(await page.textContent('#dashboard-message')).toContain('is after the end');
  expect(await page.isVisible('#dashboard-panels')).toBe(false);
});

test('path without requests draws no chart', async () => {
  await openDashboard('?path=/nope.js&range=30d');

  expect(await page.textContent('#hits')).toContain(
    `No requests for /nope.js from ${addDays(today, -29)} to ${today}.`,
  );
  expect(await page.locator('#hits svg').count()).toBe(0);
  expect(await page.locator('svg', { hasText: 'NaN' }).count()).toBe(0);
});

test.each([
  ['host without requests', '?host=nothing.example.com&range=30d'],
  [
    'range before the first day',
    `?range=custom&start=${addDays(yearStart, -30)}&end=${addDays(yearStart, -1)}`,
  ],
])('%s draws no empty charts', async (_case, search) => {
  await openDashboard(search);
  const drawn: string[] = [];
  for (const panel of ['hits', 'bandwidth', 'cache', 'status', 'locations']) {
    if ((await page.locator(`#${panel} svg`).count()) > 0) drawn.push(panel);
  }

  expect(drawn).toEqual([]);
  expect(await page.textContent('#bandwidth')).toContain('No requests in this range.');
  expect(await page.textContent('#cache')).toContain('No requests in this range.');
  expect(await page.locator('svg', { hasText: 'NaN' }).count()).toBe(0);
});

test('bandwidth without bytes has axis 0 to 1', async () => {
  const rows = [addDays(today, -1), today].map((day) => ({
    day,
    requests: 3,
    bytes: 0,
    cache_hits: 0,
    errors: 3,
  }));
  await page.route('**/dashboard_daily.json*', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ ok: true, rows }),
    }),
  );
  try {
    await openDashboard('?range=30d');
    const ticks = await page
      .locator('#bandwidth [aria-label="y-axis tick label"] text')
      .allTextContents();

    expect(ticks).toEqual(['0', '1']);
    expect(await page.locator('svg', { hasText: 'NaN' }).count()).toBe(0);
  } finally {
    await page.unroute('**/dashboard_daily.json*');
  }
});

test('rare path gets whole-number ticks', async () => {
  const rows = [addDays(today, -2), addDays(today, -1)].map((day, i) => ({
    day,
    requests: i + 1,
    bytes: 100,
  }));
  await page.route('**/dashboard_path_hits.json*', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ ok: true, rows }),
    }),
  );
  try {
    await openDashboard('?range=30d&path=/rare.js');
    const ticks = await page
      .locator('#hits [aria-label="y-axis tick label"] text')
      .allTextContents();

    expect(ticks).toEqual(['0', '1', '2']);
  } finally {
    await page.unroute('**/dashboard_path_hits.json*');
  }
});

test('totals match SQL over the year', async () => {
  await openDashboard();
  const sqlite = new Database(db, { readonly: true });
  const totals = sqlite
    .prepare('SELECT count(*) AS requests, count(DISTINCT request_ip) AS clients FROM requests')
    .get() as { requests: number; clients: number };
  sqlite.close();

  const cards = await page.locator('#totals .total').allTextContents();

  expect(cards[0]).toContain(totals.requests.toLocaleString('en-US'));
  expect(cards[2]).toContain(totals.clients.toLocaleString('en-US'));
});

test('host filter narrows the totals', async () => {
  const host = 'docs.example.com';
  await openDashboard();
  const sqlite = new Database(db, { readonly: true });
  const requests = sqlite
    .prepare('SELECT count(*) FROM requests WHERE host_header = ?')
    .pluck()
    .get(host) as number;
  sqlite.close();

  await page.selectOption('#control-host', host);
  await page.waitForURL(/host=docs\.example\.com/);
  await waitForDashboard(page);
  const cards = await page.locator('#totals .total').allTextContents();

  expect(cards[0]).toContain(requests.toLocaleString('en-US'));
});

test('freshness names the last ingest run', async () => {
  await openDashboard();

  expect(await page.textContent('#freshness')).toMatch(/Last ingest run 1 succeeded/);
  expect(await page.textContent('#freshness')).toMatch(/Newest request \d{4}-\d{2}-\d{2}/);
});

test('expired login asks to log in again', async () => {
  const session = await browser.newContext();
  try {
    const visitor = await session.newPage();
    await logIn(visitor);
    await visitor.goto(`${server.url}/dashboard`);
    await waitForDashboard(visitor);

    await session.clearCookies();
    await visitor.selectOption('#control-window', '28');
    await visitor.waitForFunction(() => document.body.dataset.dashboard === 'error');

    expect(await visitor.textContent('#dashboard-message')).toContain('login has expired');
    const expired = new URL(visitor.url());
    const next = new URLSearchParams({ next: expired.pathname + expired.search });
    expect(expired.searchParams.get('avg')).toBe('28');
    expect(await visitor.getAttribute('#dashboard-message a', 'href')).toBe(`/-/login?${next}`);

    await visitor.click('#dashboard-message a');
    await submitLogin(visitor, PASSWORD);
    expect(visitor.url()).toBe(expired.href);
    await waitForDashboard(visitor);
    expect(await visitor.inputValue('#control-window')).toBe('28');
  } finally {
    await session.close();
  }
});

test('timed-out query explains the time limit', async () => {
  // The body Datasette 0.65.5 sends when a query passes sql_time_limit_ms,
  // recorded from this server with a recursive query that never ends.
  const interrupted = {
    ok: false,
    error:
      '<p>SQL query took too long. The time limit is controlled by the sql_time_limit_ms configuration option.</p>',
    status: 400,
    title: 'SQL Interrupted',
  };
  await page.route('**/dashboard_clients.json*', (route) =>
    route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify(interrupted),
    }),
  );
  try {
    await openDashboard();
    const totals = await page.textContent('#totals');

    expect(totals).toContain('Distinct client addressesunavailable');
    expect(totals).toContain("took longer than the server's time limit");
    expect(totals).toContain('sql_time_limit_ms');
    expect(await page.locator('#hits .daily-hits rect').count()).toBe(daysThisYear);
  } finally {
    await page.unroute('**/dashboard_clients.json*');
  }
});

test('database before migration 4 says to ingest', async () => {
  // The body Datasette 0.65.5 sends for dashboard_clients on a database that
  // no ingest has upgraded yet, recorded from this server (query text left out).
  const missingTable = {
    ok: false,
    database: 'analytics',
    query_name: 'dashboard_clients',
    rows: [],
    truncated: false,
    columns: [],
    error: 'no such table: daily_client_returns',
    private: true,
  };
  await page.route('**/dashboard_clients.json*', (route) =>
    route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify(missingTable),
    }),
  );
  try {
    await openDashboard();
    const totals = await page.textContent('#totals');

    expect(totals).toContain('no such table: daily_client_returns');
    expect(totals).toContain('The next ingest run upgrades it');
  } finally {
    await page.unroute('**/dashboard_clients.json*');
  }
});

test('page loads nothing from other hosts', async () => {
  await openDashboard();

  expect(foreignRequests).toEqual([]);
});

test('dashboard screenshot is saved', async () => {
  await openDashboard();
  await tooltipFor(addDays(today, -Math.min(40, daysThisYear - 1)));
  mkdirSync(ARTIFACTS, { recursive: true });

  const image = await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  expect(image.length).toBeGreaterThan(10_000);
});

describe('empty database', () => {
  let emptyServer: RunningDatasette;

  beforeAll(async () => {
    const emptyLogs = join(folder, 'no-logs');
    mkdirSync(emptyLogs);
    const emptyDb = join(folder, 'empty', 'analytics.db');
    mkdirSync(join(folder, 'empty'));
    cli('ingest', '--source', emptyLogs, '--db', emptyDb);
    emptyServer = await startDatasette({ db: emptyDb, password: PASSWORD });
  });

  afterAll(async () => {
    await emptyServer?.stop();
  });

  test('says no requests are loaded yet', async () => {
    const session = await browser.newContext();
    try {
      const visitor = await session.newPage();
      await visitor.goto(`${emptyServer.url}/-/login`);
      await visitor.fill('input[name=username]', 'admin');
      await visitor.fill('input[name=password]', PASSWORD);
      await visitor.press('input[name=password]', 'Enter');
      await visitor.waitForURL(`${emptyServer.url}/`);
      await visitor.goto(`${emptyServer.url}/dashboard`);
      await waitForDashboard(visitor);

      expect(await visitor.evaluate(() => document.body.dataset.dashboard)).toBe('empty');
      expect(await visitor.textContent('#dashboard-message')).toContain(
        'No requests have been loaded yet',
      );
    } finally {
      await session.close();
    }
  });
});
