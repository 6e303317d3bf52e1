// The S3 source end to end: the built CLI reads a bucket on moto's S3 server through the AWS SDK,
// sometimes through a proxy that injects faults or responds with S3 errors.

import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSample, type SampleSummary } from '../src/sample/generator.js';
import { logEvents, queryValue, runCli } from './helpers/cli.js';
import { errorXml, startFaultProxy } from './helpers/fault-proxy.js';
import {
  cliEnv,
  createIamUser,
  enforceIam,
  fillBucket,
  freePort,
  putFile,
  startMoto,
  testClient,
  type MotoServer,
} from './helpers/moto.js';

const PREFIX = 'cf/';
let moto: MotoServer;
let client: S3Client;
let work: string;
let sample: SampleSummary;
let sampleDir: string;
let sampleKeys: string[] = [];
let bucketCount = 0;

beforeAll(async () => {
  moto = await startMoto();
  client = testClient(moto.endpoint);
  work = mkdtempSync(join(tmpdir(), 's3-source-'));
  sampleDir = join(work, 'sample');
  sample = generateSample({
    out: sampleDir,
    start: '2026-11-01',
    days: 3,
    filesPerDay: 8,
    linesPerFile: 40,
    seed: 7,
  });
  sampleKeys = readdirSync(sampleDir).sort();
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A new bucket holding the sample under PREFIX. */
async function sampleBucket(): Promise<string> {
  const bucket = `logs-${++bucketCount}`;
  await fillBucket(client, bucket, PREFIX, sampleDir);
  return bucket;
}

function dbPath(name: string): string {
  return join(work, `${name}.db`);
}

function ingestArgs(bucket: string, db: string, endpoint = moto.endpoint, ...more: string[]) {
  return [
    'ingest',
    '--source',
    `s3://${bucket}/${PREFIX}`,
    '--endpoint-url',
    endpoint,
    '--db',
    db,
    ...more,
  ];
}

/** One more log file, a copy of another sample's, stored under the given key. */
async function putLateFile(bucket: string, key: string, seed: number): Promise<number> {
  const out = join(work, `late-${seed}`);
  const summary = generateSample({
    out,
    start: '2026-10-20',
    days: 1,
    filesPerDay: 1,
    linesPerFile: 10,
    seed,
  });
  await putFile(client, bucket, key, join(out, readdirSync(out)[0]));
  return summary.rows;
}

function rowCount(db: string): number {
  return queryValue(db, 'SELECT count(*) FROM request_rows') as number;
}

function isLoaded(db: string, key: string): boolean {
  return queryValue(db, 'SELECT count(*) FROM log_files WHERE key = ?', key) === 1;
}

function isGetObject(request: string): boolean {
  return request.startsWith('GET ') && !request.includes('list-type=2');
}

describe('S3 source', () => {
  test('loads every object under the prefix once', async () => {
    const bucket = await sampleBucket();
    await putFile(
      client,
      bucket,
      'elsewhere/E9OTHER.2026-11-01-00.abcd.gz',
      join(sampleDir, sampleKeys[0]),
    );
    const db = dbPath('once');

    const first = await runCli(ingestArgs(bucket, db), cliEnv());
    expect(first.stderr).not.toMatch(/"level":50/);
    expect(first.code).toBe(0);
    expect(rowCount(db)).toBe(sample.rows);
    expect(queryValue(db, 'SELECT count(*) FROM log_files')).toBe(sampleKeys.length);
    expect(queryValue(db, 'SELECT count(DISTINCT source) FROM log_files')).toBe(1);
    expect(queryValue(db, 'SELECT min(source) FROM log_files')).toBe(`s3://${bucket}/${PREFIX}`);
    expect(queryValue(db, 'SELECT count(*) FROM log_files WHERE etag IS NULL')).toBe(0);
    expect(isLoaded(db, `${PREFIX}${sampleKeys[0]}`)).toBe(true);
    expect(isLoaded(db, 'elsewhere/E9OTHER.2026-11-01-00.abcd.gz')).toBe(false);

    const status = await runCli(['status', '--db', db], cliEnv());
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`s3://${bucket}/${PREFIX}\n    files ${sampleKeys.length} (`);
    expect(status.stdout).toContain(`rows ${sample.rows}`);
    expect(status.stdout).toMatch(/newest request 2026-11-03T2\d:/);
    expect(status.stdout).toMatch(/last run #1 \S+ ok/);
  });

  test('mixes a bucket and a folder, endpoint from AWS_ENDPOINT_URL', async () => {
    const bucket = await sampleBucket();
    const folder = join(work, 'other-folder');
    const other = generateSample({
      out: folder,
      start: '2026-11-10',
      days: 1,
      filesPerDay: 4,
      linesPerFile: 20,
      seed: 21,
    });
    const db = dbPath('mixed');

    const result = await runCli(
      ['ingest', '--source', `s3://${bucket}/${PREFIX}`, '--source', folder, '--db', db],
      cliEnv({ AWS_ENDPOINT_URL: moto.endpoint }),
    );
    expect(result.code).toBe(0);
    expect(queryValue(db, 'SELECT count(DISTINCT source) FROM log_files')).toBe(2);
    expect(rowCount(db)).toBe(sample.rows + other.rows);
  });

  test('second run downloads nothing and lists only the look-back window', async () => {
    const bucket = await sampleBucket();
    const db = dbPath('incremental');
    expect((await runCli(ingestArgs(bucket, db), cliEnv())).code).toBe(0);

    const proxy = await startFaultProxy({ target: moto.endpoint });
    try {
      const second = await runCli(ingestArgs(bucket, db, proxy.endpoint), cliEnv());
      expect(second.code).toBe(0);
      expect(proxy.requests.filter(isGetObject)).toEqual([]);

      const run = logEvents(second.stderr, 'ingest_finished')[0];
      expect(run.files_loaded).toBe(0);
      expect(run.files_seen).toBeGreaterThan(0);
      expect(run.files_seen).toBeLessThan(sampleKeys.length);
      const listed = logEvents(second.stderr, 's3_listed')[0];
      expect(listed.jumps).toBe(2);
      expect(rowCount(db)).toBe(sample.rows);
    } finally {
      await proxy.stop();
    }
  });

  test('loads every row exactly once through dropped connections and 5xx', async () => {
    const bucket = await sampleBucket();
    const db = dbPath('faults');
    const proxy = await startFaultProxy({ target: moto.endpoint, faultRate: 0.3, seed: 3 });
    try {
      const result = await runCli(ingestArgs(bucket, db, proxy.endpoint), cliEnv());
      expect(result.stderr).not.toMatch(/"level":50/);
      expect(result.code).toBe(0);
      expect(proxy.counts.drop).toBeGreaterThan(0);
      expect(proxy.counts.error500 + proxy.counts.slowDown503).toBeGreaterThan(0);
      expect(proxy.counts.truncate).toBeGreaterThan(0);
      // Bodies cut short after the SDK returned the response are resumed by the source itself.
      expect(logEvents(result.stderr, 's3_read_retry').length).toBeGreaterThan(0);

      expect(rowCount(db)).toBe(sample.rows);
      expect(queryValue(db, 'SELECT count(*) FROM log_files')).toBe(sampleKeys.length);
      expect(queryValue(db, 'SELECT sum(duplicates) FROM log_files')).toBe(0);
      expect(queryValue(db, 'SELECT sum(lines) FROM log_files')).toBe(sample.lines);

      const again = await runCli(ingestArgs(bucket, db, proxy.endpoint, '--full'), cliEnv());
      expect(again.code).toBe(0);
      expect(rowCount(db)).toBe(sample.rows);
    } finally {
      await proxy.stop();
    }
  });

  test('picks up late logs inside the look-back window of each stream', async () => {
    const bucket = await sampleBucket();
    const db = dbPath('late');
    expect((await runCli(ingestArgs(bucket, db), cliEnv())).code).toBe(0);
    let expectedRows = sample.rows;

    // The newest keys are E2QWRUHEXAMPLE.2026-11-03-21 and EDFDVBD6EXAMPLE.2026-11-03-18.
    const inside = [
      `${PREFIX}E2QWRUHEXAMPLE.2026-11-03-02.late0001.gz`,
      `${PREFIX}EDFDVBD6EXAMPLE.2026-11-01-18.late0002.gz`,
    ];
    const outside = `${PREFIX}E2QWRUHEXAMPLE.2026-11-01-20.late0003.gz`;
    const newStream = `${PREFIX}A-site/E1NEWEXAMPLE.2026-10-01-05.late0004.gz`;
    expectedRows += await putLateFile(bucket, inside[0], 11);
    expectedRows += await putLateFile(bucket, inside[1], 12);
    const outsideRows = await putLateFile(bucket, outside, 13);
    expectedRows += await putLateFile(bucket, newStream, 14);

    const second = await runCli(ingestArgs(bucket, db), cliEnv());
    expect(second.code).toBe(0);
    expect(isLoaded(db, inside[0])).toBe(true);
    expect(isLoaded(db, inside[1])).toBe(true);
    expect(isLoaded(db, newStream)).toBe(true);
    expect(isLoaded(db, outside)).toBe(false);
    expect(rowCount(db)).toBe(expectedRows);

    // Its stream's newest key is a month older than the others: its own window still applies.
    const lateInOldStream = `${PREFIX}A-site/E1NEWEXAMPLE.2026-10-01-01.late0005.gz`;
    expectedRows += await putLateFile(bucket, lateInOldStream, 15);
    expect((await runCli(ingestArgs(bucket, db), cliEnv())).code).toBe(0);
    expect(isLoaded(db, lateInOldStream)).toBe(true);
    expect(isLoaded(db, outside)).toBe(false);

    const longer = await runCli(
      ingestArgs(bucket, db, moto.endpoint, '--lookback', '72h'),
      cliEnv(),
    );
    expect(longer.code).toBe(0);
    expect(isLoaded(db, outside)).toBe(true);
    expect(rowCount(db)).toBe(expectedRows + outsideRows);
  });

  test('--full lists and loads keys older than the window', async () => {
    const bucket = await sampleBucket();
    const db = dbPath('full');
    expect((await runCli(ingestArgs(bucket, db), cliEnv())).code).toBe(0);
    const old = `${PREFIX}EDFDVBD6EXAMPLE.2026-10-15-00.late0006.gz`;
    const oldRows = await putLateFile(bucket, old, 16);

    expect((await runCli(ingestArgs(bucket, db), cliEnv())).code).toBe(0);
    expect(isLoaded(db, old)).toBe(false);

    const full = await runCli(ingestArgs(bucket, db, moto.endpoint, '--full'), cliEnv());
    expect(full.code).toBe(0);
    expect(isLoaded(db, old)).toBe(true);
    expect(logEvents(full.stderr, 'ingest_finished')[0].files_seen).toBe(sampleKeys.length + 1);
    expect(rowCount(db)).toBe(sample.rows + oldRows);
  });

  test('skips and reports an object deleted after listing', async () => {
    const bucket = await sampleBucket();
    const gone = `${PREFIX}${sampleKeys[3]}`;
    const proxy = await startFaultProxy({
      target: moto.endpoint,
      respond: (method, url) =>
        method === 'GET' && url.startsWith(`/${bucket}/${gone}`)
          ? { status: 404, body: errorXml('NoSuchKey', 'The specified key does not exist.') }
          : null,
    });
    const db = dbPath('gone');
    try {
      const result = await runCli(ingestArgs(bucket, db, proxy.endpoint), cliEnv());
      expect(result.code).toBe(0);
      const warnings = logEvents(result.stderr, 's3_object_gone');
      expect(warnings.map((w) => w.key)).toEqual([gone]);
      expect(isLoaded(db, gone)).toBe(false);
      expect(queryValue(db, 'SELECT count(*) FROM log_files')).toBe(sampleKeys.length - 1);
    } finally {
      await proxy.stop();
    }
  });
});

describe('S3 source errors', () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await sampleBucket();
  });

  async function ingestThrough(
    respond: (
      method: string,
      url: string,
    ) => { status: number; body: string; headers?: Record<string, string> } | null,
  ) {
    const proxy = await startFaultProxy({ target: moto.endpoint, respond });
    try {
      return await runCli(
        ingestArgs(bucket, dbPath(`errors-${++bucketCount}`), proxy.endpoint),
        cliEnv(),
      );
    } finally {
      await proxy.stop();
    }
  }

  test('wrong region names the region of the bucket', async () => {
    const result = await ingestThrough(() => ({
      status: 301,
      headers: { 'x-amz-bucket-region': 'eu-west-1' },
      body: errorXml(
        'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint.',
      ),
    }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`bucket ${bucket} is in region eu-west-1, not us-east-1`);
    expect(result.stderr).toContain('--region eu-west-1');
  });

  test('malformed authorization names the region in the body', async () => {
    const result = await ingestThrough(() => ({
      status: 400,
      body: errorXml(
        'AuthorizationHeaderMalformed',
        "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-southeast-2'",
      ).replace('</Error>', '<Region>ap-southeast-2</Region></Error>'),
    }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`bucket ${bucket} is in region ap-southeast-2, not us-east-1`);
  });

  test('unreachable endpoint says so', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(ingestArgs(bucket, dbPath('closed'), closed), cliEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`endpoint ${closed} could not be reached (ECONNREFUSED)`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('missing bucket says so', async () => {
    const result = await runCli(
      [
        'ingest',
        '--source',
        's3://no-such-bucket/x/',
        '--endpoint-url',
        moto.endpoint,
        '--db',
        dbPath('nobucket'),
      ],
      cliEnv(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bucket no-such-bucket not found');
  });

  test('invalid bucket name is a usage error', async () => {
    const result = await runCli(
      ['ingest', '--source', 's3://Bad_Bucket/x', '--db', dbPath('usage')],
      cliEnv(),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("invalid bucket name 'Bad_Bucket'");
  });
});

describe('S3 source access denied by IAM', () => {
  // A moto server of its own, because checking IAM applies to every request it serves.
  let iamMoto: MotoServer;
  let listOnly: { accessKeyId: string; secretAccessKey: string };
  let nothing: { accessKeyId: string; secretAccessKey: string };
  const bucket = 'logs-iam';

  beforeAll(async () => {
    iamMoto = await startMoto();
    const iamClient = testClient(iamMoto.endpoint);
    await fillBucket(iamClient, bucket, PREFIX, sampleDir);
    iamClient.destroy();
    listOnly = await createIamUser(iamMoto.endpoint, 'list-only', [
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
    ]);
    nothing = await createIamUser(iamMoto.endpoint, 'nothing', [
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${bucket}` },
    ]);
    await enforceIam(iamMoto.endpoint, true);
  });

  afterAll(async () => {
    await iamMoto?.stop();
  });

  function ingestAs(key: { accessKeyId: string; secretAccessKey: string }, name: string) {
    const env = cliEnv({
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    });
    return runCli(ingestArgs(bucket, dbPath(name), iamMoto.endpoint), env);
  }

  test('listing denied names s3:ListBucket', async () => {
    const result = await ingestAs(nothing, 'iam-list');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`access denied listing s3://${bucket}/${PREFIX}`);
    expect(result.stderr).toContain(`s3:ListBucket on arn:aws:s3:::${bucket}`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('reading denied names the key and s3:GetObject', async () => {
    const result = await ingestAs(listOnly, 'iam-get');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `access denied reading s3://${bucket}/${PREFIX}${sampleKeys[0]}`,
    );
    expect(result.stderr).toContain(`s3:GetObject on arn:aws:s3:::${bucket}/${PREFIX}`);
    expect(result.stderr.match(/^error: /gm)).toHaveLength(1);
    expect(queryValue(dbPath('iam-get'), 'SELECT count(*) FROM log_files')).toBe(0);
  });

  test('unknown access key is rejected', async () => {
    const result = await ingestAs(
      { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' },
      'iam-key',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rejected the AWS credentials (InvalidAccessKeyId)');
    expect(result.stderr).not.toContain('AKIAUNKNOWN000000000');
  });
});
