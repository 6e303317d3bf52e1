// S3 source benchmark: 20,000 small CloudFront log objects loaded by the real CLI from moto's S3
// server on 127.0.0.1 and, for comparison, from a folder with the same files. Reports objects/s,
// lines/s and peak RSS of each run. A second S3 run loads the keys of one month of one
// distribution (about an eighth of them), so the two peaks show whether memory grows with the
// object count. Ends with one JSON line on stdout.
//
// Usage: npm run bench:s3 [-- --objects N] [-- --keep]; N is rounded up to whole days of 200.
// Needs the venv from scripts/setup.sh (moto_server) and GNU time at /usr/bin/time.

import { PutObjectCommand, CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSample } from '../ingest/src/sample/generator.js';
import { cliEnv, startMoto, testClient } from '../ingest/test/helpers/moto.js';

const CLI = 'build/ingest/cli.js';
const BUCKET = 'bench-logs';
const UPLOAD_CONCURRENCY = 32;
/** Keys of the smaller S3 run: one distribution's January. */
const SMALL_RUN_PREFIX = 'all/E2QWRUHEXAMPLE.2026-01-';

interface Measured {
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly rows: number;
  readonly objects: number;
}

const objects = Number(argument('--objects') ?? 20_000);
const work = mkdtempSync(join(tmpdir(), 'cdn-analytics-bench-s3-'));
const logs = join(work, 'logs');

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** Writes `objects` files of about 10 lines: 200 a day, so the keys span many days and hours. */
function generate(): { files: string[]; lines: number } {
  const filesPerDay = 200;
  const summary = generateSample({
    out: logs,
    start: '2026-01-05',
    days: Math.ceil(objects / filesPerDay),
    filesPerDay,
    linesPerFile: 10,
    seed: 11,
  });
  const files = readdirSync(logs).sort();
  if (files.length !== summary.files) throw new Error('the sample wrote an unexpected file count');
  return { files, lines: summary.lines };
}

async function upload(client: S3Client, prefix: string, files: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const name = files[next++];
      const body = readFileSync(join(logs, name));
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: prefix + name, Body: body }));
    }
  };
  await Promise.all(Array.from({ length: UPLOAD_CONCURRENCY }, worker));
}

/** Runs the CLI's ingest under GNU time; returns wall time, peak RSS and rows stored. */
function ingest(name: string, sourceArgs: string[]): Measured {
  const db = join(work, `${name}.db`);
  const rssFile = join(work, `${name}.rss`);
  const started = performance.now();
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', '-o', rssFile, 'node', CLI, 'ingest', ...sourceArgs, '--db', db],
    { env: cliEnv({ CI: '1' }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0)
    throw new Error(`ingest ${name} exited ${result.status}: ${result.stderr}`);

  const finished = result.stderr
    .split('\n')
    .filter((line) => line.includes('"ingest_finished"'))
    .map((line) => JSON.parse(line) as { rows: number; files_loaded: number })[0];
  const kilobytes = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  return {
    seconds,
    peakRssMb: kilobytes / 1024,
    rows: finished.rows,
    objects: finished.files_loaded,
  };
}

function rates(run: Measured) {
  return {
    objects: run.objects,
    objects_per_s: Math.round(run.objects / run.seconds),
    lines_per_s: Math.round(run.rows / run.seconds),
    seconds: Number(run.seconds.toFixed(2)),
    peak_rss_mb: Math.round(run.peakRssMb),
  };
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/time'))
    throw new Error('/usr/bin/time not found; apt-get install time');
  const { files } = generate();
  process.stderr.write(`generated ${files.length} objects under ${logs}\n`);

  const moto = await startMoto();
  const client = testClient(moto.endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const uploadStarted = performance.now();
    await upload(client, 'all/', files);
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    process.stderr.write(`uploaded to moto in ${uploadSeconds.toFixed(1)} s\n`);

    const s3Args = (prefix: string) => [
      '--endpoint-url',
      moto.endpoint,
      '--source',
      `s3://${BUCKET}/${prefix}`,
    ];
    const folder = ingest('folder', ['--source', logs]);
    const s3 = ingest('s3', s3Args('all/'));
    const s3Small = ingest('s3-small', s3Args(SMALL_RUN_PREFIX));
    if (s3.rows !== folder.rows) {
      throw new Error(`rows differ: S3 ${s3.rows}, folder ${folder.rows}`);
    }

    const result = {
      objects: files.length,
      rows: s3.rows,
      s3: rates(s3),
      folder: rates(folder),
      s3_fewer_objects: rates(s3Small),
    };
    const line = (name: string, run: ReturnType<typeof rates>) =>
      `${name}${run.objects} objects, ${run.objects_per_s} objects/s, ${run.lines_per_s} lines/s, ` +
      `peak RSS ${run.peak_rss_mb} MB\n`;
    process.stderr.write(
      line('S3 (moto on 127.0.0.1): ', result.s3) +
        line('folder:                 ', result.folder) +
        line('S3, one month, one distribution: ', result.s3_fewer_objects),
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.destroy();
    await moto.stop();
    if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
  }
}

await main();
