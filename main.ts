// cdk8s app: reads the deploy settings from CDN_ANALYTICS_* environment
// variables over the defaults in charts/settings.ts and writes one manifest,
// dist/app.k8s.yaml, with the namespace first.

import { App, YamlOutputType } from 'cdk8s';
import { buildApp } from './charts/analytics-chart.js';
import { PLACEHOLDER_SOURCE, SETTINGS_ENV, settingsFromEnv } from './charts/settings.js';

const settings = settingsFromEnv(process.env);
if (settings.sources.includes(PLACEHOLDER_SOURCE)) {
  process.stderr.write(
    `warning: the ingest CronJob reads the placeholder ${PLACEHOLDER_SOURCE}; ` +
      `set ${SETTINGS_ENV.sources}=s3://BUCKET/PREFIX before deploying\n`,
  );
}

const app = new App({ outdir: 'dist', yamlOutputType: YamlOutputType.FILE_PER_APP });
buildApp(app, settings);
app.synth();
