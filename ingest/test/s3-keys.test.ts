// Pure parts of the S3 source: CloudFront key names, look-back StartAfter keys, S3 URLs and
// durations, and the bounded read-ahead.

import { hourStamp, lookbackStartAfter, parseLogKey } from '../src/sources/cloudfront-keys.js';
import { readAhead } from '../src/sources/read-ahead.js';
import { parseLookback, parseS3Url } from '../src/sources/s3-source.js';

describe('parseLogKey', () => {
  test('splits a key under a prefix', () => {
    const parts = parseLogKey('logs/site-a/E2QWRUHEXAMPLE.2026-11-03-21.9e3779b8.gz');
    expect(parts?.stream).toBe('logs/site-a/E2QWRUHEXAMPLE.');
    expect(parts?.hour).toBe('2026-11-03-21');
    expect(parts?.hourMs).toBe(Date.UTC(2026, 10, 3, 21));
  });

  test('splits a key without a prefix', () => {
    expect(parseLogKey('EDFDVBD6EXAMPLE.2026-01-01-00.a.gz')?.stream).toBe('EDFDVBD6EXAMPLE.');
  });

  test.each([
    'logs/readme.txt',
    'logs/E2QWRUHEXAMPLE.2026-13-01-00.a.gz',
    'logs/E2QWRUHEXAMPLE.2026-02-30-00.a.gz',
    'logs/E2QWRUHEXAMPLE.2026-11-03.a.gz',
    'logs/E2QWRUHEXAMPLE.2026-11-03-21/inner.gz',
  ])('returns null for %s', (key) => {
    expect(parseLogKey(key)).toBeNull();
  });
});

describe('lookbackStartAfter', () => {
  test('starts the listing at the hour 48 hours before', () => {
    const start = lookbackStartAfter('cf/E1.2026-11-03-21.abc.gz', 48 * 3_600_000);
    expect(start).toBe('cf/E1.2026-11-01-21');
  });

  test('sorts before every key of its first hour and after the hour before', () => {
    const start = lookbackStartAfter('cf/E1.2026-11-03-21.abc.gz', 48 * 3_600_000) as string;
    expect('cf/E1.2026-11-01-21.0000.gz' > start).toBe(true);
    expect('cf/E1.2026-11-01-20.zzzz.gz' < start).toBe(true);
  });

  test('rounds a window of minutes down to the hour', () => {
    expect(lookbackStartAfter('E1.2026-11-03-21.abc.gz', 90 * 60_000)).toBe('E1.2026-11-03-19');
  });

  test('crosses a year boundary', () => {
    expect(lookbackStartAfter('E1.2027-01-01-01.abc.gz', 2 * 3_600_000)).toBe('E1.2026-12-31-23');
  });

  test('returns null for a key not named like a CloudFront log', () => {
    expect(lookbackStartAfter('cf/notes.txt', 3_600_000)).toBeNull();
  });

  test('hourStamp matches the key format', () => {
    expect(hourStamp(Date.UTC(2026, 0, 2, 3, 59))).toBe('2026-01-02-03');
  });
});

describe('parseS3Url', () => {
  test('takes the prefix as written', () => {
    expect(parseS3Url('s3://my-logs/cf/')).toEqual({ bucket: 'my-logs', prefix: 'cf/' });
    expect(parseS3Url('s3://my-logs/cf')).toEqual({ bucket: 'my-logs', prefix: 'cf' });
    expect(parseS3Url('s3://my-logs')).toEqual({ bucket: 'my-logs', prefix: '' });
  });

  test.each(['s3://', 's3:///cf', 's3://UPPER/cf', 's3://a/cf', 'https://my-logs/cf'])(
    'rejects %s',
    (url) => {
      expect(() => parseS3Url(url)).toThrow(/invalid/);
    },
  );
});

describe('parseLookback', () => {
  test.each([
    ['48h', 48 * 3_600_000],
    ['90m', 90 * 60_000],
    ['2d', 2 * 86_400_000],
    ['1.5h', 90 * 60_000],
    ['0', 0],
  ])('%s', (text, ms) => {
    expect(parseLookback(text)).toBe(ms);
  });

  test.each(['48', '-1h', 'h', '2w', ''])('rejects %j', (text) => {
    expect(() => parseLookback(text)).toThrow(/--lookback/);
  });
});

describe('readAhead', () => {
  async function* numbers(count: number): AsyncGenerator<number> {
    for (let i = 0; i < count; i++) yield i;
  }

  // The item in the caller's hands counts here, so the bound is the limit plus one.
  test('yields in order and never starts more than the limit ahead', async () => {
    let started = 0;
    let done = 0;
    let maxAhead = 0;
    const seen: number[] = [];
    const loads = readAhead(
      numbers(50),
      (n) => {
        started++;
        maxAhead = Math.max(maxAhead, started - done);
        return { n, weight: 10, cancel: () => {} };
      },
      { items: 4, bytes: 1_000, queued: 100 },
    );
    for await (const load of loads) {
      seen.push(load.n);
      await new Promise((resolve) => setTimeout(resolve, 1));
      done++;
    }
    expect(seen).toEqual([...Array(50).keys()]);
    expect(maxAhead).toBe(5);
  });

  test('keeps the bytes held under the budget plus two items', async () => {
    let ahead = 0;
    let maxAhead = 0;
    const loads = readAhead(
      numbers(20),
      () => {
        ahead += 300;
        maxAhead = Math.max(maxAhead, ahead);
        return { weight: 300, cancel: () => {} };
      },
      { items: 100, bytes: 1_000, queued: 100 },
    );
    for await (const load of loads) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      ahead -= load.weight;
    }
    expect(maxAhead).toBeLessThanOrEqual(1_500);
  });

  test('raises a listing error after the items before it', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      throw new Error('listing failed');
    }
    const seen: number[] = [];
    const run = async () => {
      for await (const load of readAhead(failing(), (n) => ({ n, weight: 0, cancel: () => {} }), {
        items: 2,
        bytes: 10,
        queued: 10,
      })) {
        seen.push(load.n);
      }
    };
    await expect(run()).rejects.toThrow('listing failed');
    expect(seen).toEqual([1, 2]);
  });

  test('cancels loads the caller never takes', async () => {
    const cancelled: number[] = [];
    const loads = readAhead(
      numbers(10),
      (n) => ({ n, weight: 1, cancel: () => cancelled.push(n) }),
      { items: 3, bytes: 100, queued: 10 },
    );
    for await (const load of loads) {
      if (load.n === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        break;
      }
    }
    expect(cancelled).toEqual([1, 2, 3]);
  });
});
