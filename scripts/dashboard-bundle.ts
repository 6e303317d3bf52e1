// esbuild options of the usage dashboard bundle, shared by scripts/build.ts and
// the test that checks the committed bundle against a fresh build.

import type { BuildOptions } from 'esbuild';

/** Output folder, which Datasette serves at /static/ (its --static mount). */
export const DASHBOARD_OUTDIR = 'datasette/static';

/**
 * Bundles the dashboard script with Observable Plot and d3 inlined, and its
 * stylesheet, as datasette/static/dashboard.js and dashboard.css. The output is
 * deterministic: the same sources and lockfile give the same bytes.
 */
export function dashboardBuildOptions(outdir: string = DASHBOARD_OUTDIR): BuildOptions {
  return {
    entryPoints: [
      { in: 'datasette/dashboard/main.ts', out: 'dashboard' },
      { in: 'datasette/dashboard/dashboard.css', out: 'dashboard' },
    ],
    outdir,
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    format: 'iife',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
  };
}
