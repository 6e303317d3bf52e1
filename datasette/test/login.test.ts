// Password login in a real browser: Debian's Chromium, driven by
// playwright-core, logs in through datasette-auth-passwords' form and must
// reach the list of tables. The screenshot goes to test-artifacts/.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { newApiToken, startDatasette, type RunningDatasette } from './helpers/datasette-server.js';
import { sampleDatabase } from './helpers/sample-db.js';

const PASSWORD = 'a long demo passphrase';
const ARTIFACTS = 'test-artifacts';

let folder: string;
let server: RunningDatasette;
let browser: Browser;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasette-login-'));
  const db = await sampleDatabase({ folder, start: '2026-03-01', days: 2, linesPerFile: 20 });
  server = await startDatasette({
    db,
    password: PASSWORD,
    apiTokens: [newApiToken('unused')],
    env: { DATASETTE_SECRET: newApiToken('cookie_secret') },
  });
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
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function logIn(page: Page, password: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForLoadState('load'), page.click('input[type=submit]')]);
}

test('anonymous visit lands on the login form', async () => {
  const page = await browser.newPage();

  await page.goto(`${server.url}/analytics/requests`);

  expect(new URL(page.url()).pathname).toBe('/-/login');
  expect(await page.locator('input[name=password]').count()).toBe(1);
  expect(await page.content()).not.toContain('request_rows');
  await page.close();
});

test('login from a table page returns to it', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/analytics/log_files?_sort=id`);

  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForLoadState('load'), page.click('input[type=submit]')]);

  const url = new URL(page.url());
  expect(url.pathname).toBe('/analytics/log_files');
  expect(url.search).toBe('?_sort=id');
  await page.close();
});

test('password login shows the tables', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });

  await logIn(page, PASSWORD);
  await page.goto(`${server.url}/analytics`);

  const tableLinks = await page.locator('h3 a').allTextContents();
  expect(tableLinks).toEqual(expect.arrayContaining(['request_rows', 'log_files', 'ingest_runs']));
  expect(await page.locator('a[href="/analytics/requests"]').count()).toBeGreaterThan(0);
  expect(await page.locator('.actor').textContent()).toContain('admin');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'datasette-logged-in.png'), fullPage: true });
  await page.close();
});

test('logged-in browser reads a canned query', async () => {
  const page = await browser.newPage();
  await logIn(page, PASSWORD);

  const response = await page.goto(`${server.url}/analytics/totals.json?start=2026-03-01`);

  expect(response?.status()).toBe(200);
  expect(JSON.parse(await page.locator('body').innerText())).toMatchObject({ ok: true });
  await page.close();
});

test('wrong password stays on the login form', async () => {
  const page = await browser.newPage();

  await logIn(page, 'not the password');

  expect(await page.content()).toContain('Invalid username or password');
  expect(new URL(page.url()).pathname).toBe('/-/login');
  const response = await page.goto(`${server.url}/analytics.json`);
  expect(response?.status()).toBe(401);
  await page.close();
});

/** Fetches the login form for `search` and returns its action and a CSRF cookie and token. */
async function loginForm(search: string) {
  const response = await fetch(`${server.url}/-/login${search}`);
  const html = await response.text();
  const action = /<form[^>]* action="([^"]*)"/.exec(html)?.[1].replace(/&amp;/g, '&');
  const token = /name="csrftoken" value="([^"]+)"/.exec(html)?.[1];
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .find((pair) => pair.startsWith('ds_csrftoken='));
  return { action, token: token ?? '', cookie: cookie ?? '' };
}

const DASHBOARD_VIEW = `/dashboard?${new URLSearchParams({ path: '/docs/', range: '30d' })}`;

test.each([
  [DASHBOARD_VIEW, DASHBOARD_VIEW],
  ['/analytics/requests', '/analytics/requests'],
  ['//evil.example/', '/'],
  ['https://evil.example/', '/'],
  ['/\\evil.example/', '/'],
  ['\\\\evil.example/', '/'],
  ['/\t/evil.example/', '/'],
  ['/ /evil.example/', '/'],
  ['/dashboard\n', '/'],
  ['javascript:alert(1)', '/'],
  ['dashboard', '/'],
  ['/caf\u00e9', '/'],
  ['', '/'],
])('login with next %j redirects to %j', async (next, location) => {
  const search = `?${new URLSearchParams({ next })}`;
  const form = await loginForm(search);
  const expectedAction = location === '/' ? '/-/login' : `/-/login${search}`;
  expect(form.action).toBe(expectedAction);

  const response = await fetch(`${server.url}/-/login${search}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'admin', password: PASSWORD, csrftoken: form.token }),
  });

  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe(location);
  expect(response.headers.getSetCookie().some((c) => c.startsWith('ds_actor='))).toBe(true);
});

test('failed login keeps next, sets no cookie', async () => {
  const search = `?${new URLSearchParams({ next: DASHBOARD_VIEW })}`;
  const form = await loginForm(search);

  const response = await fetch(`${server.url}/-/login${search}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'admin', password: 'wrong', csrftoken: form.token }),
  });
  const html = await response.text();

  expect(response.status).toBe(200);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.getSetCookie().some((c) => c.startsWith('ds_actor='))).toBe(false);
  expect(html).toContain(`action="/-/login${search.replace(/&/g, '&amp;')}"`);
});
