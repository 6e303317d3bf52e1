// Locates the offline checkers that scripts/setup.sh installs and runs them for
// the chart tests: kubernetes-validate and hadolint from .venv, shellcheck from Debian.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Paths of the checkers. */
export const TOOLS = {
  kubernetesValidate: path.join(REPO_ROOT, '.venv/bin/kubernetes-validate'),
  hadolint: path.join(REPO_ROOT, '.venv/bin/hadolint'),
  shellcheck: '/usr/bin/shellcheck',
} as const;

/** Output of one checker run. */
export interface ToolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs `tool` with `args` from the repository root; throws when it is not installed. */
export function runTool(tool: string, args: string[], cwd = REPO_ROOT): ToolResult {
  if (!existsSync(tool)) {
    throw new Error(`${tool} not found: run 'bash scripts/setup.sh' to install the checkers`);
  }
  const result = spawnSync(tool, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
