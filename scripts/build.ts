// Bundles the ingester (the CLI and its parser worker) into build/ingest with
// esbuild. Packages stay external and load from node_modules at run time.
// Also bundles the usage dashboard into datasette/static, where Datasette
// serves it. That output is committed so the Datasette image can copy it
// without a Node build step.

import { build } from 'esbuild';
import { dashboardBuildOptions } from './dashboard-bundle.js';

await build({
  entryPoints: {
    cli: 'ingest/src/main.ts',
    'parse-worker': 'ingest/src/pipeline/parse-worker.ts',
    'checkpoint-worker': 'ingest/src/store/checkpoint-worker.ts',
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

await build(dashboardBuildOptions());
