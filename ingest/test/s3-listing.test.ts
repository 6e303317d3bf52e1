// The S3 listing against moto with more keys than one ListObjectsV2 page: continuation tokens,
// and a jump over a stream's old keys in the middle of the listing.

import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { hourStamp } from '../src/sources/cloudfront-keys.js';
import { S3Source } from '../src/sources/s3-source.js';
import type { SourceState } from '../src/sources/source.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { dummyAws, startMoto, testClient, type MotoServer } from './helpers/moto.js';

const BUCKET = 'many-keys';
const OLD_STREAM = 'cf/E1OLDEXAMPLE.';
const NEW_STREAM = 'cf/E2NEWEXAMPLE.';
const FIRST_HOUR_MS = Date.UTC(2026, 0, 1);
const HOUR_MS = 3_600_000;

let moto: MotoServer;
let proxy: FaultProxy;
let client: S3Client;
let oldKeys: string[];
let newKeys: string[];

/** One key an hour from 2026-01-01 00:00 UTC. */
function hourlyKeys(stream: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${stream}${hourStamp(FIRST_HOUR_MS + i * HOUR_MS)}.k${i}.gz`,
  );
}

async function putAll(keys: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      await client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '#Version: 1.0\n' }),
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** A state in which every key counts as loaded, so the source downloads nothing. */
function loadedState(newestByStream: Record<string, string>): SourceState {
  return {
    newestKey: () => null,
    newestKeyWithPrefix: (prefix) => newestByStream[prefix] ?? null,
    isLoaded: () => true,
  };
}

async function listKeys(state: SourceState, lookbackMs: number | null): Promise<string[]> {
  const source = new S3Source(`s3://${BUCKET}/cf/`, { endpointUrl: proxy.endpoint, lookbackMs });
  const keys: string[] = [];
  for await (const object of source.list(state)) keys.push(object.key);
  return keys;
}

function listRequests(): number {
  return proxy.requests.filter((request) => request.includes('list-type=2')).length;
}

beforeAll(async () => {
  Object.assign(process.env, dummyAws());
  moto = await startMoto();
  proxy = await startFaultProxy({ target: moto.endpoint });
  client = testClient(moto.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  oldKeys = hourlyKeys(OLD_STREAM, 1_200);
  newKeys = hourlyKeys(NEW_STREAM, 1_100);
  await putAll([...oldKeys, ...newKeys]);
});

afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(() => {
  proxy.requests.length = 0;
});

test('full listing pages through every key in order', async () => {
  const keys = await listKeys(loadedState({}), null);
  expect(keys).toEqual([...oldKeys, ...newKeys]);
  expect(listRequests()).toBe(3);
});

test('incremental listing jumps over old keys and pages on', async () => {
  const newest = oldKeys[1_100];
  const keys = await listKeys(loadedState({ [OLD_STREAM]: newest }), 48 * HOUR_MS);

  // The old stream from 48 hours before its newest key, and all of the stream with nothing loaded.
  expect(keys).toEqual([...oldKeys.slice(1_100 - 48), ...newKeys]);
  expect(listRequests()).toBe(3);
});

test('each stream gets its own window', async () => {
  const state = loadedState({ [OLD_STREAM]: oldKeys[100], [NEW_STREAM]: newKeys[1_000] });
  const keys = await listKeys(state, 24 * HOUR_MS);
  expect(keys).toEqual([...oldKeys.slice(100 - 24), ...newKeys.slice(1_000 - 24)]);
});
