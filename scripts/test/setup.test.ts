// Tests that scripts/setup.sh prints one progress line before each install and
// nothing when everything is in place. Each test runs a copy of the script in
// its own folder. Stand-ins for npm and python3 only create the files that the
// script checks, so nothing is downloaded.

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SETUP = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'scripts/setup.sh');

const FAKE_NPM = `#!/bin/sh
mkdir -p node_modules && touch node_modules/.package-lock.json
`;

const FAKE_PYTHON = `#!/bin/sh
mkdir -p .venv/bin
printf '#!/bin/sh\\n' > .venv/bin/python
printf '#!/bin/sh\\n' > .venv/bin/pip
chmod +x .venv/bin/python .venv/bin/pip
`;

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'setup-'));
  mkdirSync(join(folder, 'scripts'));
  mkdirSync(join(folder, 'datasette'));
  mkdirSync(join(folder, 'bin'));
  copyFileSync(SETUP, join(folder, 'scripts/setup.sh'));
  writeFileSync(join(folder, 'package-lock.json'), '{}\n');
  writeFileSync(join(folder, 'datasette/requirements.txt'), 'datasette==0.65.5\n');
  writeFileSync(join(folder, 'scripts/requirements-test.txt'), 'moto==5.0.0\n');
  writeExecutable(join(folder, 'bin/npm'), FAKE_NPM);
  writeExecutable(join(folder, 'bin/python3'), FAKE_PYTHON);
});

afterEach(() => rmSync(folder, { recursive: true, force: true }));

function writeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

function setup() {
  const result = spawnSync('bash', [join(folder, 'scripts/setup.sh')], {
    env: { ...process.env, PATH: `${join(folder, 'bin')}:${process.env.PATH}` },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('setup announces each install', () => {
  const result = setup();

  expect(result.status).toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(
    'Installing npm packages (npm ci)\n' +
      'Creating the Python venv .venv with Datasette (pip install)\n',
  );
});

test('setup prints nothing when all is installed', () => {
  setup();

  const result = setup();

  expect(result.status).toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe('');
});

test('setup announces a venv update', () => {
  setup();
  writeFileSync(join(folder, 'datasette/requirements.txt'), 'datasette==0.65.6\n');

  const result = setup();

  expect(result.status).toBe(0);
  expect(result.stderr).toBe(
    'Updating the Python venv .venv to the pinned requirements (pip install)\n',
  );
});
