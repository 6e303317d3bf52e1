// Writes a deterministic synthetic set of CloudFront standard log files: real
// key names, documentation IP ranges (RFC 5737, RFC 3849), a library's
// versioned files, browsers and bots, errors, range requests and cache results.
// The same seed and options always give the same bytes.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LEGACY_FIELDS } from '../formats/fields.js';

export interface SampleOptions {
  readonly out: string;
  /** First day, YYYY-MM-DD (UTC). */
  readonly start: string;
  readonly days: number;
  readonly filesPerDay: number;
  readonly linesPerFile: number;
  readonly seed: number;
  /** No record is later than this (ms since the epoch), as real logs are never ahead of the clock. @default Date.now() */
  readonly now?: number;
  /** Two distributions write to the same prefix, as a shared log bucket does. */
  readonly distributions?: readonly string[];
}

export interface SampleSummary {
  readonly files: number;
  readonly lines: number;
  /** Rows an ingest stores: every generated line is a distinct valid request. */
  readonly rows: number;
  readonly first_day: string;
  readonly last_day: string;
}

const DAY_MS = 86_400_000;
/** The largest seed; randomGenerator keeps the low 32 bits, so larger seeds would repeat. */
export const MAX_SEED = 0xffff_ffff;
/** The maximum number of days, ten years, so a mistyped --days fails fast. */
export const MAX_DAYS = 3660;
/**
 * The maximum files per day, one a minute. More would only add small files
 * that share an hour in their names.
 */
export const MAX_FILES_PER_DAY = 1440;
/**
 * The maximum records per file on a weekday. A file is built as one string, and
 * dayWeight makes it up to about 11.3 times larger within MAX_DAYS. So a file
 * contains at most about 565,000 lines of up to 600 characters, or 340 MB,
 * which is under V8's string limit of 2^29 - 24 characters. Generating one such
 * file peaked at 1.1 GB resident memory on Node 20 (measured with /usr/bin/time).
 */
export const MAX_LINES_PER_FILE = 50_000;

/** Small, fast, seedable PRNG (mulberry32); not for anything security related. */
export function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERSIONS = ['3.4.0', '3.4.1', '3.5.0', '4.0.0-beta.2'];
/** Most users load the minified build; the weights follow LIBRARY_FILES. */
const FILE_WEIGHTS = [0.6, 0.1, 0.05, 0.25];
const LIBRARY_FILES = [
  'dist/chartkit.min.js',
  'dist/chartkit.js',
  'dist/chartkit.min.js.map',
  'dist/chartkit.css',
];
const SITE_PATHS = [
  '/',
  '/index.html',
  '/docs/',
  '/docs/getting-started.html',
  '/docs/api.html',
  '/blog/release-3-5.html',
  '/favicon.ico',
  '/assets/site.css',
  '/assets/logo.svg',
];
const PROBE_PATHS = ['/wp-login.php', '/.env', '/admin/config.php', '/xmlrpc.php'];
const EDGES = [
  'IAD89-C1',
  'IAD61-P2',
  'FRA56-P1',
  'LHR61-C1',
  'NRT57-C2',
  'SIN2-C1',
  'GRU3-C2',
  'SYD1-C1',
];
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.5.0',
  'python-requests/2.32.3',
];
const REFERRERS = [
  'https://example.com/',
  'https://example.org/blog/charts-in-5-minutes',
  'https://www.example.net/search?q=chart%20library',
  'http://localhost:5173/',
];
const DISTRIBUTION_DOMAINS: Record<string, string> = {};

/** Escapes like CloudFront: spaces and specials as %XX; user agents once more (%2520). */
function encode(value: string): string {
  return value.replace(/[^A-Za-z0-9\-._~/:;,()+=&?!*@]/g, (c) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

class LineMaker {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = randomGenerator(seed);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  /** Picks with the given relative weights. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let target = this.random() * total;
    for (let i = 0; i < items.length; i++) {
      target -= weights[i];
      if (target < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** Picks the first items far more often than the last, as real traffic does (Zipf). */
  popular<T>(items: readonly T[]): T {
    return this.weighted(
      items,
      items.map((_, i) => 1 / (i + 1)),
    );
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  int(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low + 1));
  }

  requestId(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let id = '';
    for (let i = 0; i < 54; i++) id += alphabet[Math.floor(this.random() * 64)];
    return `${id}==`;
  }

  /** Releases come out over the sample's span and users move to them gradually. */
  version(progress: number): string {
    const weights = [
      Math.max(0.05, 1 - 1.5 * progress),
      progress < 0.2 ? 0 : 0.5,
      progress < 0.45 ? 0 : 1.5,
      progress < 0.8 ? 0 : 0.4,
    ];
    return this.weighted(VERSIONS, weights);
  }

  clientIp(): string {
    if (this.chance(0.15))
      return `2001:db8:${this.int(0, 0xffff).toString(16)}::${this.int(1, 0xfff).toString(16)}`;
    const net = this.pick(['192.0.2', '198.51.100', '203.0.113']);
    return `${net}.${this.int(1, 254)}`;
  }

  /** Returns one record; `progress` (0 to 1) is how far into the sample its day is. */
  line(tsMs: number, distribution: string, progress: number): string {
    const date = new Date(tsMs).toISOString();
    const bot = this.chance(0.12);
    const probe = bot && this.chance(0.3);
    const library = !probe && this.chance(0.6);
    let uri: string;
    if (probe) uri = this.pick(PROBE_PATHS);
    else if (library)
      uri = `/lib/chartkit@${this.version(progress)}/${this.weighted(LIBRARY_FILES, FILE_WEIGHTS)}`;
    else uri = this.popular(SITE_PATHS);

    const status = probe
      ? 404
      : this.chance(0.01)
        ? this.pick([0, 403, 500, 502, 503])
        : this.chance(0.04)
          ? 304
          : 200;
    const size = library ? this.int(20_000, 180_000) : this.int(300, 40_000);
    const ranged = library && status === 200 && this.chance(0.03);
    const rangeStart = ranged ? this.int(0, size / 2) : -1;
    const rangeEnd = ranged ? rangeStart + this.int(1000, size / 2) : -1;
    const statusOut = ranged ? 206 : status;
    // Bytes sent include about 400 bytes of headers; a 304 sends headers only.
    let bytes = size + 400;
    if (ranged) bytes = rangeEnd - rangeStart + 400;
    if (status === 304) bytes = 250;
    const result =
      statusOut >= 500
        ? 'Error'
        : this.chance(0.85)
          ? 'Hit'
          : this.chance(0.5)
            ? 'RefreshHit'
            : 'Miss';
    const agent = bot ? this.pick(BOTS) : this.popular(BROWSERS);
    // CloudFront writes user agents double-encoded, so a space appears as %2520.
    const userAgent = encode(encode(agent));
    const referrer = bot || this.chance(0.5) ? '-' : encode(this.popular(REFERRERS));
    const query = library && this.chance(0.05) ? 'v=' + this.int(1, 9) : '-';
    const protocol = this.chance(0.97) ? 'https' : 'http';
    const timeTaken = (this.int(1, 400) / 1000).toFixed(3);
    const contentType = uri.endsWith('.js')
      ? 'application/javascript'
      : uri.endsWith('.css')
        ? 'text/css'
        : uri.endsWith('.map')
          ? 'application/json'
          : 'text/html';
    const xff = this.chance(0.02) ? `${this.clientIp()},%20${this.clientIp()}` : '-';
    const cells = [
      date.slice(0, 10),
      date.slice(11, 19),
      this.popular(EDGES),
      String(bytes),
      this.clientIp(),
      this.chance(0.97) ? 'GET' : 'HEAD',
      DISTRIBUTION_DOMAINS[distribution] ??
        `d${distribution.slice(0, 12).toLowerCase()}.cloudfront.net`,
      uri,
      statusOut === 0 ? '000' : String(statusOut),
      referrer,
      userAgent,
      query,
      '-',
      result,
      this.requestId(),
      distribution.startsWith('E2') ? 'docs.example.com' : 'cdn.example.com',
      protocol,
      String(this.int(120, 900)),
      timeTaken,
      xff,
      protocol === 'https' ? 'TLSv1.3' : '-',
      protocol === 'https' ? 'TLS_AES_128_GCM_SHA256' : '-',
      result,
      this.pick(['HTTP/2.0', 'HTTP/2.0', 'HTTP/1.1', 'HTTP/3.0']),
      '-',
      '-',
      String(this.int(1024, 65535)),
      (Number(timeTaken) * 0.8).toFixed(3),
      result,
      contentType,
      status === 304 ? '-' : String(ranged ? rangeEnd - rangeStart + 1 : size),
      ranged ? String(rangeStart) : '-',
      ranged ? String(rangeEnd) : '-',
    ];
    return cells.join('\t');
  }
}

/**
 * Requests per day: a weekly rhythm, slow growth and a spike after the release
 * that comes out 45% into the sample, fading over about a week.
 */
function dayWeight(day: Date, index: number, days: number): number {
  const weekday = day.getUTCDay();
  const weekly = weekday === 0 || weekday === 6 ? 0.55 : 1;
  const sinceRelease = index - Math.floor(days * 0.45);
  const spike = days >= 20 && sinceRelease >= 0 ? 1.2 * Math.exp(-sinceRelease / 4) : 0;
  return weekly * (1 + index / 400) * (1 + spike);
}

export function generateSample(options: SampleOptions): SampleSummary {
  const distributions = options.distributions ?? ['EDFDVBD6EXAMPLE', 'E2QWRUHEXAMPLE'];
  const startMs = Date.parse(`${options.start}T00:00:00Z`);
  const make = new LineMaker(options.seed);
  const header = `#Version: 1.0\n#Fields: ${LEGACY_FIELDS.join(' ')}\n`;
  mkdirSync(options.out, { recursive: true });

  const now = options.now ?? Date.now();
  let files = 0;
  let lines = 0;
  for (let d = 0; d < options.days; d++) {
    const dayMs = startMs + d * DAY_MS;
    const weight = dayWeight(new Date(dayMs), d, options.days);
    const perFile = Math.max(1, Math.round(options.linesPerFile * weight));
    const progress = options.days > 1 ? d / (options.days - 1) : 1;
    for (let f = 0; f < options.filesPerDay; f++) {
      const hourMs = dayMs + Math.floor((f * 24) / options.filesPerDay) * 3_600_000;
      if (hourMs > now) break;
      const distribution = distributions[f % distributions.length];
      const body: string[] = [];
      for (let i = 0; i < perFile; i++) {
        // Records are roughly, not strictly, in time order, as CloudFront writes them.
        const ts = hourMs + Math.floor(((i + make.int(-3, 3)) / perFile) * 3_599_000);
        const line = make.line(Math.max(hourMs, ts), distribution, progress);
        if (ts <= now) body.push(line);
      }
      const stamp = new Date(hourMs).toISOString().slice(0, 13).replace('T', '-');
      const unique = (files * 2654435761 + options.seed).toString(16).slice(-8).padStart(8, '0');
      const name = `${distribution}.${stamp}.${unique}.gz`;
      writeFileSync(join(options.out, name), gzipSync(header + body.join('\n') + '\n'));
      files++;
      lines += body.length;
    }
  }

  const lastDay = new Date(startMs + (options.days - 1) * DAY_MS).toISOString().slice(0, 10);
  return { files, lines, rows: lines, first_day: options.start, last_day: lastDay };
}
