// `npm run synth` output validates against the Kubernetes 1.27 OpenAPI schemas,
// offline and in strict mode, with the default and with every optional setting.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, TOOLS, runTool } from './lint-tools.js';
import { SETTINGS_ENV } from './settings.js';

const KUBERNETES_VERSION = '1.27.0';
let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-synth-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs main.ts as `npm run synth` does, in `cwd`, and returns the manifest file. */
function synth(cwd: string, env: Record<string, string>): string {
  const result = spawnSync(
    path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [path.join(REPO_ROOT, 'main.ts')],
    { cwd, encoding: 'utf8', env: { ...process.env, ...env } },
  );
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.status).toBe(0);
  return path.join(cwd, 'dist/app.k8s.yaml');
}

function validate(file: string) {
  return runTool(TOOLS.kubernetesValidate, ['-k', KUBERNETES_VERSION, '--strict', file]);
}

describe('synthesized manifests', () => {
  test('defaults pass the 1.27 schemas', () => {
    const cwd = path.join(workDir, 'defaults');
    const file = synth(mkdir(cwd), {});
    const result = validate(file);
    expect(result.output).not.toMatch(/ERROR|failed/i);
    expect(result.status).toBe(0);
    expect(result.output.match(/passed/g)?.length).toBe(7);
  });

  test('every option passes the 1.27 schemas', () => {
    const cwd = path.join(workDir, 'full');
    const file = synth(mkdir(cwd), {
      [SETTINGS_ENV.sources]: 's3://example-logs/cloudfront/,s3://example-logs/other/',
      [SETTINGS_ENV.backupTarget]: 's3://example-backups/cdn-analytics/',
      [SETTINGS_ENV.ingressHost]: 'stats.example.com',
      [SETTINGS_ENV.tlsSecret]: 'stats-tls',
      [SETTINGS_ENV.awsCredentialsSecret]: 'aws-keys',
    });
    const result = validate(file);
    expect(result.output).not.toMatch(/ERROR|failed/i);
    expect(result.status).toBe(0);
    expect(result.output.match(/passed/g)?.length).toBe(8);
  });

  test('placeholder source prints a warning', () => {
    const cwd = mkdir(path.join(workDir, 'warning'));
    const result = spawnSync(
      path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
      [path.join(REPO_ROOT, 'main.ts')],
      { cwd, encoding: 'utf8' },
    );
    expect(result.stderr).toMatch(/placeholder s3:\/\/your-log-bucket/);
    expect(result.status).toBe(0);
  });

  test('restore Job passes the 1.27 schemas', () => {
    const file = path.join(workDir, 'restore.yaml');
    const result = spawnSync(
      path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
      ['k3s/restore-manifest.ts', 's3://example-backups/db/analytics.db.gz', 'restore-1'],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    writeFileSync(file, result.stdout);
    const validation = validate(file);
    expect(validation.output).toMatch(/passed for resource job\/restore-1/);
    expect(validation.status).toBe(0);
  });

  test('validator rejects an unknown field', () => {
    const cwd = path.join(workDir, 'broken');
    const file = synth(mkdir(cwd), {});
    const text = readFileSync(file, 'utf8').replace('concurrencyPolicy:', 'concurrencyPolicyy:');
    writeFileSync(file, text);
    const result = validate(file);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/concurrencyPolicyy/);
  });
});

function mkdir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
