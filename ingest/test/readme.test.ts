// The README's CLI reference is the `--help` output; this fails when they drift.

import { readFileSync } from 'node:fs';
import { cliReference, replaceReference } from '../../scripts/readme-cli.js';

test('README CLI reference matches --help', () => {
  const readme = readFileSync('README.md', 'utf8');
  expect(replaceReference(readme, cliReference())).toBe(readme);
});
