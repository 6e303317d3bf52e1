// datasette/serve.sh rejects bad start-up input with exit 2 and a one-line
// message, and never echoes a token it rejects.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiToken } from './helpers/datasette-server.js';
import { sampleDatabase } from './helpers/sample-db.js';

let folder: string;
let db: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasette-serve-'));
  db = await sampleDatabase({ folder, days: 1, linesPerFile: 5 });
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

function serve(args: string[], env: Record<string, string>) {
  const result = spawnSync('bash', ['datasette/serve.sh', ...args], {
    env: {
      ...process.env,
      CDN_ANALYTICS_API_TOKENS: '',
      CDN_ANALYTICS_PASSWORD_HASH: '',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

// Port 9 is never reached: each case fails before Datasette listens.
const PORT = ['--host', '127.0.0.1', '--port', '9'];

test('serve rejects a missing --db', () => {
  const result = serve(PORT, { CDN_ANALYTICS_API_TOKENS: newApiToken('a') });

  expect(result.status).toBe(2);
  expect(result.stderr).toContain('missing --db FILE');
});

test('serve rejects a database that does not exist', () => {
  const result = serve(['--db', join(folder, 'none.db'), ...PORT], {
    CDN_ANALYTICS_API_TOKENS: newApiToken('a'),
  });

  expect(result.status).toBe(2);
  expect(result.stderr).toContain('none.db not found');
});

test('serve requires a token or a password hash', () => {
  const result = serve(['--db', db, ...PORT], {});

  expect(result.status).toBe(2);
  expect(result.stderr).toContain('missing credentials; set CDN_ANALYTICS_API_TOKENS or');
  expect(result.stderr).toContain(
    'export CDN_ANALYTICS_PASSWORD_HASH="$(.venv/bin/datasette hash-password)"',
  );
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
});

test('serve rejects a short token without echoing it', () => {
  const secret = 'abcdef0123456789';
  const result = serve(['--db', db, ...PORT], { CDN_ANALYTICS_API_TOKENS: `short-${secret}` });

  expect(result.status).toBe(2);
  expect(result.stderr).toContain('CDN_ANALYTICS_API_TOKENS: token 1 is invalid');
  expect(result.stderr).not.toContain(secret);
  expect(result.stderr).not.toContain('Traceback');
});

test('serve rejects an invalid expiry', () => {
  const result = serve(['--db', db, ...PORT], {
    CDN_ANALYTICS_API_TOKENS: newApiToken('a', '2026-02-30'),
  });

  expect(result.status).toBe(2);
  expect(result.stderr).toContain("token 1 has invalid expiry '2026-02-30'");
});

test('serve rejects duplicate token names', () => {
  const result = serve(['--db', db, ...PORT], {
    CDN_ANALYTICS_API_TOKENS: `${newApiToken('twice')} ${newApiToken('twice')}`,
  });

  expect(result.status).toBe(2);
  expect(result.stderr).toContain("duplicate token names ['twice']");
});
