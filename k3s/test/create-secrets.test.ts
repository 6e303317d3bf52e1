// Runs k3s/create-secrets.sh with NODE=local against stand-ins for `k3s` and
// `docker` that record their arguments and standard input, to check that the
// password, its hash and the API token reach the Secrets only through stdin.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../charts/lint-tools.js';

const PASSWORD = 'correct horse battery staple';
const FAKE_HASH = 'pbkdf2_sha256$480000$fakesalt$fakehash=';
let binDir: string;

// `k3s` appends its arguments to $CALLS and saves the stdin of each
// `create secret` call as $RECORD/secret-NAME.
const FAKE_K3S = `#!/usr/bin/env bash
echo "$*" >> "$CALLS"
case "$*" in
  *"create secret generic "*)
    name=$(echo "$*" | sed -E 's/.*create secret generic ([^ ]+).*/\\1/')
    cat > "$RECORD/secret-$name" ;;
  *" apply -f -"*) cat > /dev/null ;;
  *"create namespace"*) echo "kind: Namespace" ;;
esac
`;
const FAKE_DOCKER = `#!/usr/bin/env bash
echo "docker $*" >> "$CALLS"
cat > "$RECORD/docker-stdin"
echo '${FAKE_HASH}'
`;

beforeAll(() => {
  binDir = mkdtempSync(path.join(tmpdir(), 'cdn-analytics-secrets-'));
  const scripts = { k3s: FAKE_K3S, docker: FAKE_DOCKER, sudo: '#!/usr/bin/env bash\nexec "$@"\n' };
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(path.join(binDir, name), text);
    chmodSync(path.join(binDir, name), 0o755);
  }
});

afterAll(() => {
  rmSync(binDir, { recursive: true, force: true });
});

function createSecrets(password: string, args: string[] = []) {
  const record = mkdtempSync(path.join(binDir, 'run-'));
  const calls = path.join(record, 'calls');
  const result = spawnSync('bash', ['k3s/create-secrets.sh', 'local', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    input: `${password}\n`,
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, CALLS: calls, RECORD: record },
  });
  const read = (name: string) =>
    existsSync(path.join(record, name)) ? readFileSync(path.join(record, name), 'utf8') : '';
  return { result, read, calls: read('calls') };
}

describe('create-secrets.sh', () => {
  test('prints one new API token', () => {
    const { result } = createSecrets(PASSWORD);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^api-[0-9a-f]{64}$/);
  });

  test('hashes the password from stdin', () => {
    const { read } = createSecrets(PASSWORD);
    expect(read('docker-stdin')).toBe(PASSWORD);
  });

  test('fills both Secrets through stdin', () => {
    const { result, read } = createSecrets(PASSWORD);
    const token = result.stdout.trim();
    expect(read('secret-datasette-api-tokens')).toBe(`CDN_ANALYTICS_API_TOKENS=${token}\n`);
    const login = read('secret-datasette-login');
    expect(login).toContain(`CDN_ANALYTICS_PASSWORD_HASH=${FAKE_HASH}\n`);
    expect(login).toMatch(/^DATASETTE_SECRET=[0-9a-f]{64}$/m);
  });

  test('puts no secret on a command line', () => {
    const { result, calls, read } = createSecrets(PASSWORD);
    const token = result.stdout.trim();
    const cookieSecret = /DATASETTE_SECRET=([0-9a-f]{64})/.exec(read('secret-datasette-login'));
    expect(calls).toContain('create secret generic datasette-login --from-env-file=/dev/stdin');
    expect(calls).not.toContain(PASSWORD);
    expect(calls).not.toContain(FAKE_HASH);
    expect(calls).not.toContain(token);
    expect(calls).not.toContain(cookieSecret?.[1]);
  });

  test('rejects a short password', () => {
    const { result, calls } = createSecrets('short');
    expect(result.stderr).toMatch(/the password has 5 characters; use at least 12/);
    expect(result.status).toBe(2);
    expect(calls).toBe('');
  });

  test('rejects an invalid token name', () => {
    const { result } = createSecrets(PASSWORD, ['Notebook-1']);
    expect(result.stderr).toMatch(/TOKEN_NAME 'Notebook-1' is invalid/);
    expect(result.status).toBe(2);
  });
});
