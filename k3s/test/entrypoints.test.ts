// Runs the services on 127.0.0.1 exactly as their containers do: the command is
// the Dockerfile's ENTRYPOINT (container paths mapped to this checkout) and the
// flags are the synthesized manifest's args. Only values that name container
// paths, the listen address and the port are swapped for local ones.

import { PutObjectCommand } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../charts/lint-tools.js';
import { FULL_SETTINGS, findObject, podSpecOf, synthObjects } from '../../charts/synth-helpers.js';
import { TEST_AWS_ENV, freePort, startMoto, waitForHttp, type Moto } from './servers.js';

const BUCKET = 'entrypoint-logs';

/** Instructions of the final stage of a Dockerfile that the tests compare with the manifests. */
interface ImageConfig {
  readonly entrypoint: string[];
  readonly cmd: string[] | undefined;
  readonly workdir: string;
}

/** Reads the exec-form ENTRYPOINT and CMD and the WORKDIR of the final stage of `dockerfile`. */
export function readEntrypoint(dockerfile: string): ImageConfig {
  const lines = readFileSync(path.resolve(REPO_ROOT, dockerfile), 'utf8').split('\n');
  const finalStage = lines.slice(lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));
  const last = (instruction: string) =>
    finalStage
      .filter((l) => new RegExp(`^${instruction}\\s`, 'i').test(l))
      .pop()
      ?.replace(new RegExp(`^${instruction}\\s+`, 'i'), '')
      .trim();

  const entrypoint = last('ENTRYPOINT');
  if (!entrypoint) throw new Error(`${dockerfile} has no ENTRYPOINT in its final stage`);
  const cmd = last('CMD');
  return {
    entrypoint: JSON.parse(entrypoint),
    cmd: cmd === undefined ? undefined : JSON.parse(cmd),
    workdir: last('WORKDIR') ?? '/',
  };
}

/** Maps a path inside the image to this checkout, assuming WORKDIR contains the repository. */
function localPath(value: string, workdir: string): string {
  return value.startsWith(`${workdir}/`)
    ? path.join(REPO_ROOT, value.slice(workdir.length))
    : value;
}

/** Replaces the value after each `flag` in `args`. */
function withFlag(args: string[], flag: string, value: string): string[] {
  return args.map((arg, index) => (args[index - 1] === flag ? value : arg));
}

describe('ingest entrypoint', () => {
  let moto: Moto;
  let workDir: string;
  const objects = synthObjects({ ...FULL_SETTINGS, sources: [`s3://${BUCKET}/cloudfront/`] });
  const container = podSpecOf(findObject(objects, 'CronJob', 'ingest')).containers[0];
  const { entrypoint, workdir } = readEntrypoint('ingest/Dockerfile');

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-entrypoint-'));
    moto = await startMoto(BUCKET);
  });

  afterAll(() => {
    moto?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('entrypoint is the CLI bundle', () => {
    expect(entrypoint).toEqual(['node', 'build/ingest/cli.js']);
    expect(workdir).toBe('/app');
  });

  test('CronJob args load every S3 log once', async () => {
    const logs = path.join(workDir, 'logs');
    const sample = spawnSync(
      'node',
      ['build/ingest/cli.js', 'sample', '--out', logs, '--days', '2', '--files-per-day', '3'],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(sample.status).toBe(0);
    const files = readdirSync(logs);
    for (const file of files) {
      await moto.client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `cloudfront/${file}`,
          Body: readFileSync(path.join(logs, file)),
        }),
      );
    }

    const database = path.join(workDir, 'analytics.db');
    const args = withFlag(container.args, '--db', database);
    const env = Object.fromEntries(
      container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    const run = () =>
      spawnSync(entrypoint[0], [...entrypoint.slice(1), ...args], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, ...TEST_AWS_ENV, ...env, AWS_ENDPOINT_URL: moto.endpoint },
      });

    const first = run();
    expect(first.stderr).not.toMatch(/"level":50/);
    expect(first.status).toBe(0);
    const second = run();
    expect(second.status).toBe(0);

    const db = new Database(database, { readonly: true });
    const loaded = db.prepare('SELECT count(*) AS n FROM log_files').get() as { n: number };
    db.close();
    expect(loaded.n).toBe(files.length);
  });
});

const DATASETTE_DOCKERFILE = 'datasette/Dockerfile';
const datasetteReady = existsSync(path.resolve(REPO_ROOT, DATASETTE_DOCKERFILE));

(datasetteReady ? describe : describe.skip)(
  datasetteReady
    ? 'Datasette entrypoint'
    : 'Datasette entrypoint (skipped: no datasette/Dockerfile)',
  () => {
    const TOKEN = `entrypoint_test-${'ab'.repeat(32)}`;
    let workDir: string;
    let baseUrl: string;
    let server: ReturnType<typeof spawn> | undefined;
    let serverLog = '';

    beforeAll(async () => {
      workDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-datasette-'));
      const database = path.join(workDir, 'analytics.db');
      const logs = path.join(workDir, 'logs');
      const ingest = (args: string[]) =>
        spawnSync('node', ['build/ingest/cli.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(ingest(['sample', '--out', logs, '--days', '1', '--files-per-day', '2']).status).toBe(
        0,
      );
      expect(ingest(['ingest', '--source', logs, '--db', database]).status).toBe(0);

      const deployment = findObject(synthObjects(), 'Deployment', 'datasette');
      const container = podSpecOf(deployment).containers[0];
      const port = await freePort();
      const { entrypoint, workdir } = readEntrypoint(DATASETTE_DOCKERFILE);
      let args = withFlag(container.args, '--db', database);
      args = withFlag(args, '--host', '127.0.0.1');
      args = withFlag(args, '--port', String(port));
      const command = entrypoint.map((part) => localPath(part, workdir));

      baseUrl = `http://127.0.0.1:${port}`;
      server = spawn(command[0], [...command.slice(1), ...args], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          CDN_ANALYTICS_API_TOKENS: TOKEN,
          DATASETTE_SECRET: 'ef'.repeat(32),
        },
      });
      server.stderr?.on('data', (chunk) => (serverLog += chunk));
      await waitForHttp(`${baseUrl}/healthz`, 60_000);
    });

    afterAll(() => {
      server?.kill();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('Deployment args equal the image CMD', () => {
      const deployment = findObject(synthObjects(), 'Deployment', 'datasette');
      const container = podSpecOf(deployment).containers[0];
      expect(container.args).toEqual(readEntrypoint(DATASETTE_DOCKERFILE).cmd);
    });

    test('health probe path returns ok', async () => {
      const response = await fetch(`${baseUrl}/healthz`);
      expect(response.status).toBe(200);
      expect((await response.text()).trim()).toBe('ok');
    });

    test('data needs a token', async () => {
      const response = await fetch(`${baseUrl}/analytics.json`, { redirect: 'manual' });
      expect([302, 401, 403]).toContain(response.status);
    });

    test('token reads the database', async () => {
      const response = await fetch(`${baseUrl}/analytics.json`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(serverLog).not.toMatch(/Traceback/);
      expect(response.status).toBe(200);
    });
  },
);
