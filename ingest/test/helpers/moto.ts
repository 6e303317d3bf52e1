// Starts moto's S3 server (from the project's .venv) on 127.0.0.1 with a free port, and gives the
// environment and SDK client that talk to it with dummy credentials, so nothing reaches AWS.

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MOTO_SERVER = fileURLToPath(new URL('../../../.venv/bin/moto_server', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts moto_server and resolves once it responds to HTTP requests. */
export async function startMoto(): Promise<MotoServer> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(`${MOTO_SERVER} not found; run bash scripts/setup.sh to create the venv`);
  }
  const port = await freePort();
  // moto logs every request. A file, unlike a pipe, never fills up and blocks the server while
  // this process is busy, for example in spawnSync.
  const logFolder = mkdtempSync(join(tmpdir(), 'moto-'));
  const logFile = join(logFolder, 'server.log');
  const log = openSync(logFile, 'w');
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { PATH: process.env.PATH ?? '', ...dummyAws() },
    stdio: ['ignore', log, log],
  });
  closeSync(log);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(endpoint, child);
  } catch (error) {
    child.kill('SIGKILL');
    const output = readFileSync(logFile, 'utf8').slice(-4000);
    rmSync(logFolder, { recursive: true, force: true });
    throw new Error(`moto_server did not start: ${(error as Error).message}\n${output}`, {
      cause: error,
    });
  }
  // A script that crashes before stop() must not leave the server running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    rmSync(logFolder, { recursive: true, force: true });
  };
  return { endpoint, port, stop };
}

/** Dummy credentials and settings that keep the SDK off IMDS, real profiles and real AWS. */
export function dummyAws(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** Returns the environment for a CLI child: this one without AWS_* variables, plus dummyAws(). */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_') && name !== 'NODE_OPTIONS') env[name] = value;
  }
  return { ...env, ...dummyAws(), ...extra };
}

export function testClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

/** Creates a bucket and uploads every file of `folder` under `prefix`; returns the keys. */
export async function fillBucket(
  client: S3Client,
  bucket: string,
  prefix: string,
  folder: string,
): Promise<string[]> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const key = prefix + name;
    await putFile(client, bucket, key, join(folder, name));
    keys.push(key);
  }
  return keys;
}

export async function putFile(
  client: S3Client,
  bucket: string,
  key: string,
  path: string,
): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(path) }));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const response = await fetch(endpoint);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer from ${endpoint} within ${START_TIMEOUT_MS} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * Creates an IAM user in moto with one inline policy and returns its access key. Call it while
 * moto does not check requests yet, before enforceIam(true).
 */
export async function createIamUser(
  endpoint: string,
  userName: string,
  statements: object[],
): Promise<AccessKey> {
  await iamAction(endpoint, { Action: 'CreateUser', UserName: userName });
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  await iamAction(endpoint, {
    Action: 'PutUserPolicy',
    UserName: userName,
    PolicyName: `${userName}-policy`,
    PolicyDocument: policy,
  });
  const created = await iamAction(endpoint, { Action: 'CreateAccessKey', UserName: userName });
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(created)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(created)?.[1];
  if (!accessKeyId || !secretAccessKey) throw new Error(`CreateAccessKey failed: ${created}`);
  return { accessKeyId, secretAccessKey };
}

/** Turns moto's IAM checks of signatures and policies on or off for every later request. */
export async function enforceIam(endpoint: string, on: boolean): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    body: on ? '0' : 'inf',
  });
  if (!response.ok) throw new Error(`moto reset-auth failed: HTTP ${response.status}`);
}

/** Sends an IAM Query API action; moto routes it by the credential scope in the header. */
async function iamAction(endpoint: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    body: new URLSearchParams({ Version: '2010-05-08', ...params }).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=unchecked',
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`IAM ${params.Action} failed: HTTP ${response.status} ${text}`);
  return text;
}
