// The restore Job that k3s/restore.sh applies: arguments, claim, security and
// schema, and its entry point's manifest output.

import { App } from 'cdk8s';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './lint-tools.js';
import { RestoreJobChart, type RestoreJobProps } from './restore-job.js';
import type { Manifest } from './synth-helpers.js';

const FROM = 's3://example-backups/cdn-analytics/analytics-2026-12-04T03-47-00Z.db.gz';
const PROPS: RestoreJobProps = {
  namespace: 'cdn-analytics',
  image: 'cdn-analytics-ingest:0.1.0',
  from: FROM,
  region: 'eu-west-1',
  name: 'restore-20261204-034700',
};

function synthJob(props: RestoreJobProps = PROPS): Manifest {
  const chart = new RestoreJobChart(new App(), 'restore', props);
  const objects = chart.toJson() as Manifest[];
  expect(objects.map((o) => o.kind)).toEqual(['Job']);
  return objects[0];
}

describe('restore Job', () => {
  const job = synthJob();
  const pod = job.spec.template.spec;
  const container = pod.containers[0];

  test('runs the restore command once', () => {
    expect(job.spec.backoffLimit).toBe(0);
    expect(pod.restartPolicy).toBe('Never');
    expect(container.command).toEqual(['node', 'build/k3s/backup.js']);
    expect(container.args).toEqual(['restore', '--from', FROM, '--db', '/data/analytics.db']);
  });

  test('mounts the database claim', () => {
    const volume = pod.volumes.find((v: Manifest) => v.persistentVolumeClaim);
    expect(volume.persistentVolumeClaim.claimName).toBe('analytics-db');
    expect(container.volumeMounts).toContainEqual({ name: volume.name, mountPath: '/data' });
  });

  test('is locked down like the CronJobs', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  test.each([
    ['a prefix', { from: 's3://example-backups/cdn-analytics/' }, /^from '.*' is invalid/],
    ['a bucket', { from: 's3://example-backups' }, /^from '.*' is invalid/],
    ['a bad name', { name: 'Restore_1' }, /^name 'Restore_1' is invalid/],
  ])('rejects %s', (_case, override, message) => {
    expect(() => synthJob({ ...PROPS, ...override })).toThrow(message);
  });
});

describe('restore-manifest.ts', () => {
  const run = (args: string[]) =>
    spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['k3s/restore-manifest.ts', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDN_ANALYTICS_REGION: 'eu-central-1' },
    });

  test('prints the Job with the settings', () => {
    const result = run([FROM, 'restore-1']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^kind: Job$/m);
    expect(result.stdout).toMatch(/^ {2}name: restore-1$/m);
    expect(result.stdout).toContain('value: eu-central-1');
  });

  test('rejects a prefix with exit 2', () => {
    const result = run(['s3://example-backups/cdn-analytics/', 'restore-1']);
    expect(result.stderr).toMatch(/^error: from .* is invalid/);
    expect(result.status).toBe(2);
  });
});
