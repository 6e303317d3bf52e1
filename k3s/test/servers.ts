// Servers and ports for the k3s tests: a free port on 127.0.0.1, waiting for an
// HTTP server, and moto's S3 server from the project's .venv.

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '../../charts/lint-tools.js';

/** Credentials that moto accepts; they never leave 127.0.0.1. */
export const TEST_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves once `url` responds to HTTP at all; throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** A running moto S3 server with one empty bucket. */
export interface Moto {
  readonly endpoint: string;
  readonly client: S3Client;
  stop(): void;
}

/** Starts moto_server on a free port and creates `bucket`. */
export async function startMoto(bucket: string): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const process: ChildProcess = spawn(
    path.join(REPO_ROOT, '.venv/bin/moto_server'),
    ['-H', '127.0.0.1', '-p', String(port)],
    { stdio: 'ignore' },
  );
  await waitForHttp(endpoint);

  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { endpoint, client, stop: () => process.kill() };
}
