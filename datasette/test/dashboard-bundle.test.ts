// The committed dashboard bundle must be what esbuild builds from the current
// sources, because the Datasette image copies it as it is.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { dashboardBuildOptions } from '../../scripts/dashboard-bundle.js';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function committed(path: string): string | null {
  try {
    return execFileSync('git', ['show', `HEAD:${path}`], { encoding: 'utf8' });
  } catch {
    return null;
  }
}

test.each(['dashboard.js', 'dashboard.css'])('committed %s matches a fresh build', async (name) => {
  const result = await build({ ...dashboardBuildOptions('bundle-check'), write: false });
  const fresh = result.outputFiles?.find((file) => file.path.endsWith(`/bundle-check/${name}`));
  const head = committed(`datasette/static/${name}`);

  expect(fresh).toBeDefined();
  // Outside a git checkout (an unpacked release) there is nothing to compare with.
  if (head === null) return;
  // On failure: run `npm run build` and commit datasette/static with the sources.
  expect(sha256(fresh?.text ?? '')).toBe(sha256(head));
});

test('two builds give the same bytes', async () => {
  const first = await build({ ...dashboardBuildOptions('bundle-check'), write: false });
  const second = await build({ ...dashboardBuildOptions('bundle-check'), write: false });

  expect(second.outputFiles?.map((file) => file.hash)).toEqual(
    first.outputFiles?.map((file) => file.hash),
  );
});
