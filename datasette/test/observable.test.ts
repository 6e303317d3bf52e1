// Runs the Observable notebook cells of datasette/README.md in Chromium, from
// a page on another origin, against a real server. The fetch must pass CORS
// with the bearer token and Plot must draw one bar per day. A denied call must
// surface as a readable 401, not as a CORS failure.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  bearerToken,
  newApiToken,
  startDatasette,
  type RunningDatasette,
} from './helpers/datasette-server.js';
import { sampleDatabase } from './helpers/sample-db.js';

const README = readFileSync('datasette/README.md', 'utf8');
const PLACEHOLDER_BASE = 'https://analytics.example.com';
const token = newApiToken('notebook');

/** Returns the body of the `hits = {...}` cell and the `Plot.plot(...)` expression. */
function notebookCells(): { hitsBody: string; plotExpression: string } {
  const hits = README.match(/```js\nhits = \{\n([\s\S]*?)\n\}\n```/);
  const plot = README.match(/```js\n(Plot\.plot\([\s\S]*?\))\n```/);
  if (!hits || !plot) throw new Error('datasette/README.md has no `hits = {` or `Plot.plot(` cell');
  return { hitsBody: hits[1], plotExpression: plot[1] };
}

let folder: string;
let datasette: RunningDatasette;
let notebookOrigin: Server;
let notebookUrl: string;
let browser: Browser;

/** Serves an empty page with d3 and Plot, as an Observable notebook has them. */
function startNotebookOrigin(): Promise<Server> {
  const files: Record<string, string> = {
    '/d3.js': 'node_modules/d3/dist/d3.min.js',
    '/plot.js': 'node_modules/@observablehq/plot/dist/plot.umd.min.js',
  };
  const page =
    '<!doctype html><meta charset="utf-8"><script src="/d3.js"></script><script src="/plot.js"></script>';
  const server = createServer((request, response) => {
    const file = files[request.url ?? ''];
    if (file) {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
    } else {
      response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasette-observable-'));
  const db = await sampleDatabase({ folder, days: 10, linesPerFile: 20 });
  datasette = await startDatasette({ db, apiTokens: [token] });
  notebookOrigin = await startNotebookOrigin();
  notebookUrl = `http://127.0.0.1:${(notebookOrigin.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => notebookOrigin?.close(done));
  await datasette?.stop();
  rmSync(folder, { recursive: true, force: true });
});

/** Runs the notebook cells in the page and returns what they produced. */
async function runCells(page: Page, bearer: string) {
  const { hitsBody, plotExpression } = notebookCells();
  const hitsCell = hitsBody.replace(PLACEHOLDER_BASE, datasette.url);

  return page.evaluate(
    async ({ hitsCell, plotExpression, bearer }) => {
      try {
        const hits = await new Function('token', `return (async () => {${hitsCell}})();`)(bearer);
        const chart = new Function('Plot', 'hits', `return ${plotExpression};`)(
          (window as unknown as { Plot: unknown }).Plot,
          hits,
        ) as Element;
        document.body.append(chart);
        return {
          days: hits.length as number,
          total: (hits as { requests: number }[]).reduce((sum, row) => sum + row.requests, 0),
          bars: chart.querySelectorAll('rect').length,
          lines: chart.querySelectorAll('[stroke="#1f5f99"] path, path[stroke="#1f5f99"]').length,
          error: null,
        };
      } catch (error) {
        return { days: 0, total: 0, bars: 0, lines: 0, error: String(error) };
      }
    },
    { hitsCell, plotExpression, bearer },
  );
}

test('notebook cells fetch and draw hits per day', async () => {
  const page = await browser.newPage();
  await page.goto(notebookUrl);

  const result = await runCells(page, bearerToken(token));

  const today = new Date();
  const expectedDays =
    (Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) -
      Date.UTC(today.getUTCFullYear(), 0, 1)) /
      86_400_000 +
    1;
  expect(result.error).toBeNull();
  expect(result.days).toBe(expectedDays);
  expect(result.total).toBeGreaterThan(0);
  expect(result.bars).toBe(expectedDays);
  expect(result.lines).toBe(1);
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/observable-hits-per-day.png' });
  await page.close();
});

test('notebook cell reports a wrong token as 401', async () => {
  const page = await browser.newPage();
  await page.goto(notebookUrl);

  const result = await runCells(page, bearerToken(newApiToken('notebook')));

  expect(result.error).toContain('401 unauthorized');
  await page.close();
});
