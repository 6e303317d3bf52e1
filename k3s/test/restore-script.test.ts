// Runs k3s/restore.sh with NODE=local against a stand-in `k3s` on PATH that
// records every kubectl call, to check the order of the steps: writers stop
// before the restore Job starts, and they come back only when it completed.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../charts/lint-tools.js';

const FROM = 's3://example-backups/cdn-analytics/analytics-2026-12-04T03-47-00Z.db.gz';
let binDir: string;

// The stand-in prints no pods and fails `wait` when JOB_FAILS is set.
const FAKE_K3S = `#!/usr/bin/env bash
echo "$*" >> "$CALLS"
case "$*" in
  *" apply -f -"*) cat > "$APPLIED" ;;
  *"--for=condition=complete"*) [ -z "\${JOB_FAILS:-}" ] ;;
esac
`;

beforeAll(() => {
  binDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-restore-'));
  writeFileSync(path.join(binDir, 'k3s'), FAKE_K3S);
  writeFileSync(path.join(binDir, 'sudo'), '#!/usr/bin/env bash\nexec "$@"\n');
  chmodSync(path.join(binDir, 'k3s'), 0o755);
  chmodSync(path.join(binDir, 'sudo'), 0o755);
});

afterAll(() => {
  rmSync(binDir, { recursive: true, force: true });
});

function runRestore(extraEnv: Record<string, string> = {}) {
  const calls = path.join(binDir, `calls-${Date.now()}`);
  const applied = path.join(binDir, `applied-${Date.now()}`);
  const result = spawnSync('bash', ['k3s/restore.sh', 'local', FROM], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH}`,
      CALLS: calls,
      APPLIED: applied,
      ...extraEnv,
    },
  });
  const lines = readFileSync(calls, 'utf8').trim().split('\n');
  return { result, lines, applied };
}

/** Index of the first recorded call that contains `text`; -1 when none. */
function indexOf(lines: string[], text: string): number {
  return lines.findIndex((line) => line.includes(text));
}

describe('restore.sh', () => {
  test('stops writers before the Job', () => {
    const { result, lines } = runRestore();
    expect(result.status).toBe(0);
    const apply = indexOf(lines, 'apply -f -');
    expect(indexOf(lines, 'patch cronjob ingest --patch {"spec":{"suspend":true}}')).toBeLessThan(
      apply,
    );
    expect(indexOf(lines, 'patch cronjob backup --patch {"spec":{"suspend":true}}')).toBeLessThan(
      apply,
    );
    expect(indexOf(lines, 'scale deployment/datasette --replicas=0')).toBeLessThan(apply);
  });

  test('resumes after the Job completes', () => {
    const { lines } = runRestore();
    const complete = indexOf(lines, '--for=condition=complete');
    expect(indexOf(lines, 'scale deployment/datasette --replicas=1')).toBeGreaterThan(complete);
    expect(
      indexOf(lines, 'patch cronjob ingest --patch {"spec":{"suspend":false}}'),
    ).toBeGreaterThan(complete);
  });

  test('applies the restore Job for the object', () => {
    const { applied } = runRestore();
    const manifest = readFileSync(applied, 'utf8');
    expect(manifest).toMatch(/^kind: Job$/m);
    expect(manifest).toContain(FROM);
  });

  test('failed Job leaves writers stopped', () => {
    const { result, lines } = runRestore({ JOB_FAILS: '1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/failed; Datasette and the CronJobs stay stopped/);
    expect(indexOf(lines, '--replicas=1')).toBe(-1);
    expect(indexOf(lines, '"suspend":false')).toBe(-1);
  });

  test('missing object is a usage error', () => {
    const result = spawnSync('bash', ['k3s/restore.sh', 'local'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.stderr).toMatch(/missing the backup object/);
    expect(result.status).toBe(2);
  });
});
