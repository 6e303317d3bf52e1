// Bundles the ingester (the CLI and its parser worker) into build/ingest with
// esbuild. Packages stay external and load from node_modules at run time.
// Also bundles the usage dashboard, with Observable Plot and d3 inlined, into
// datasette/static, where Datasette serves it; that output is committed and is
// the same bytes on every build from the same sources and lockfile.

import { build } from 'esbuild';

await build({
  entryPoints: {
    cli: 'ingest/src/main.ts',
    'parse-worker': 'ingest/src/pipeline/parse-worker.ts',
  },
  outdir: 'build/ingest',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

await build({
  entryPoints: [
    { in: 'datasette/dashboard/main.ts', out: 'dashboard' },
    { in: 'datasette/dashboard/dashboard.css', out: 'dashboard' },
  ],
  outdir: 'datasette/static',
  bundle: true,
  platform: 'browser',
  target: 'es2020',
  format: 'iife',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
