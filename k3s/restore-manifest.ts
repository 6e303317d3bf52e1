// Prints the restore Job's manifest for k3s/restore.sh, with the image, region
// and namespace from the same CDN_ANALYTICS_* settings as `npm run synth`.
// Usage: tsx k3s/restore-manifest.ts s3://BUCKET/KEY JOB_NAME

import { App } from 'cdk8s';
import { RestoreJobChart } from '../charts/restore-job.js';
import { settingsFromEnv } from '../charts/settings.js';

const [from, name] = process.argv.slice(2);
if (!from || !name) {
  process.stderr.write('error: missing arguments; use s3://BUCKET/KEY JOB_NAME\n');
  process.exit(2);
}

const settings = settingsFromEnv(process.env);
const app = new App();
try {
  new RestoreJobChart(app, 'restore', {
    namespace: settings.namespace,
    image: settings.ingestImage,
    region: settings.region,
    awsCredentialsSecret: settings.awsCredentialsSecret,
    from,
    name,
  });
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(2);
}
process.stdout.write(app.synthYaml());
