// `npm run serve -- --db FILE [--port N] [--host ADDRESS]`: runs Datasette on a
// database with this checkout's virtualenv. The flags go unchanged to
// datasette/serve.sh, the same script the container's entrypoint runs.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const DATASETTE = '.venv/bin/datasette';

if (!existsSync(DATASETTE)) {
  process.stderr.write(`error: ${DATASETTE} not found; run \`bash scripts/setup.sh\` first\n`);
  process.exit(1);
}

const child = spawn('bash', ['datasette/serve.sh', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
