// Static checks of the deployment files: hadolint on the Dockerfiles, shellcheck
// on the k3s scripts, the IAM policy's least privilege and the cloud-init user
// data. Each linter also gets a bad input, to show it is really checking.

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, TOOLS, runTool } from '../../charts/lint-tools.js';

const K3S = path.join(REPO_ROOT, 'k3s');
const SCRIPTS = readdirSync(K3S).filter((name) => name.endsWith('.sh'));
const DOCKERFILES = ['ingest/Dockerfile', 'datasette/Dockerfile'].filter((file) =>
  existsSync(path.join(REPO_ROOT, file)),
);
let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-lint-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('hadolint', () => {
  test('ingest Dockerfile is present', () => {
    expect(DOCKERFILES).toContain('ingest/Dockerfile');
  });

  test.each(DOCKERFILES)('%s passes', (file) => {
    const result = runTool(TOOLS.hadolint, ['--no-color', file]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('flags an unpinned base image', () => {
    const file = path.join(workDir, 'Dockerfile');
    writeFileSync(file, 'FROM node:latest\nRUN apt-get update && apt-get install -y curl\n');
    const result = runTool(TOOLS.hadolint, ['--no-color', file]);
    expect(result.output).toMatch(/DL3007/);
    expect(result.status).not.toBe(0);
  });
});

describe('shellcheck', () => {
  test('finds the k3s scripts', () => {
    expect(SCRIPTS).toEqual(expect.arrayContaining(['build-images.sh', 'restore.sh', 'node.sh']));
  });

  test.each(SCRIPTS)('k3s/%s passes', (script) => {
    const result = runTool(TOOLS.shellcheck, ['--external-sources', `k3s/${script}`]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('flags an unquoted variable', () => {
    const file = path.join(workDir, 'bad.sh');
    writeFileSync(file, '#!/usr/bin/env bash\nrm -rf $1/tmp\n');
    const result = runTool(TOOLS.shellcheck, [file]);
    expect(result.output).toMatch(/SC2086/);
    expect(result.status).not.toBe(0);
  });
});

describe('IAM policy', () => {
  const policy = JSON.parse(readFileSync(path.join(K3S, 'iam-policy.json'), 'utf8'));
  const statements: { Action: string | string[]; Resource: string; Effect: string }[] =
    policy.Statement;
  const actions = statements.flatMap((s) => s.Action);

  test('allows only list, get and put', () => {
    expect([...new Set(actions)].sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });

  test('has no wildcard action or bucket', () => {
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect([statement.Action].flat().join()).not.toContain('*');
      expect(statement.Resource).toMatch(/^arn:aws:s3:::(LOG|BACKUP)_BUCKET/);
    }
  });

  test('writes only under the backup prefix', () => {
    const writers = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(writers.map((s) => s.Resource)).toEqual(['arn:aws:s3:::BACKUP_BUCKET/BACKUP_PREFIX*']);
  });

  test('limits listing to the log prefix', () => {
    const listing = statements.filter((s) => [s.Action].flat().includes('s3:ListBucket'));
    expect(listing).toHaveLength(1);
    expect(JSON.stringify(listing[0])).toContain('"s3:prefix":["LOG_PREFIX*"]');
  });
});

describe('cloud-init user data', () => {
  const text = readFileSync(path.join(K3S, 'cloud-init.yaml'), 'utf8');

  test('starts with #cloud-config', () => {
    expect(text.split('\n')[0]).toBe('#cloud-config');
  });

  test('pins k3s to Kubernetes 1.27', () => {
    expect(text).toMatch(/INSTALL_K3S_VERSION=v1\.27\.\d+\+k3s\d/);
  });

  test('keeps the kubeconfig private', () => {
    expect(text).toContain('write-kubeconfig-mode: "0600"');
    expect(text).toContain('secrets-encryption: true');
  });
});

describe('launch-instance.sh', () => {
  const text = readFileSync(path.join(K3S, 'launch-instance.sh'), 'utf8');

  test('requires IMDSv2 with hop limit 2', () => {
    expect(text).toContain('HttpTokens=required');
    expect(text).toContain('HttpPutResponseHopLimit=2');
  });

  test('passes the cloud-init user data', () => {
    expect(text).toContain('--user-data "file://$here/cloud-init.yaml"');
  });
});
