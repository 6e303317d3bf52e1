// Writes the `--help` output of every command into README.md between the
// cli-help markers, so the CLI reference cannot drift from the code. With
// --check it only compares and exits 1 when the README is out of date.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- cli-help:start -->';
const END = '<!-- cli-help:end -->';
const COMMANDS = ['ingest', 'status', 'sample'];

export function cliReference(): string {
  const sections = COMMANDS.map((command) => {
    const help = execFileSync('node', ['build/ingest/cli.js', command, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '100' },
    });
    return `### \`cdn-analytics ${command}\`\n\n\`\`\`\n${help.trimEnd()}\n\`\`\``;
  });
  return `${START}\n${sections.join('\n\n')}\n${END}`;
}

export function replaceReference(readme: string, reference: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`README.md has no ${START} ... ${END} markers`);
  return readme.slice(0, start) + reference + readme.slice(end + END.length);
}

if (process.argv[1]?.endsWith('readme-cli.ts')) {
  const readme = readFileSync('README.md', 'utf8');
  const updated = replaceReference(readme, cliReference());
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      process.stderr.write('README.md CLI reference is out of date; run: npm run docs\n');
      process.exit(1);
    }
  } else {
    writeFileSync('README.md', updated);
  }
}
