// Builds the CLI bundle once before the tests that run it as a child process.
import { execFileSync } from 'node:child_process';

export default function globalSetup() {
  execFileSync('npx', ['tsx', 'scripts/build.ts'], { stdio: 'inherit' });
}
