// Synthesizes the app in memory for the chart tests and finds objects in it.

import { App, YamlOutputType } from 'cdk8s';
import { buildApp } from './analytics-chart.js';
import { DEFAULT_SETTINGS, type DeploySettings } from './settings.js';

/** A Kubernetes object as plain JSON, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

/** Settings with every optional feature on, as a production install would use. */
export const FULL_SETTINGS: DeploySettings = {
  ...DEFAULT_SETTINGS,
  sources: ['s3://example-logs/cloudfront/', 's3://example-logs/other-distribution/'],
  region: 'eu-west-1',
  backupTarget: 's3://example-backups/cdn-analytics/',
  ingressHost: 'stats.example.com',
  tlsSecret: 'stats-tls',
  awsCredentialsSecret: 'aws-keys',
};

/** Returns every object the app writes, in manifest order. */
export function synthObjects(settings: DeploySettings = FULL_SETTINGS): Manifest[] {
  const app = new App({ outdir: '/nonexistent', yamlOutputType: YamlOutputType.FILE_PER_APP });
  buildApp(app, settings);
  return app.charts.flatMap((chart) => chart.toJson() as Manifest[]);
}

/** Returns the one object of `kind` named `name`; throws when there is not exactly one. */
export function findObject(objects: Manifest[], kind: string, name: string): Manifest {
  const matches = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind}/${name}, found ${matches.length}`);
  }
  return matches[0];
}

/** Returns the pod spec of a Deployment or a CronJob. */
export function podSpecOf(object: Manifest): Manifest {
  return object.kind === 'CronJob'
    ? object.spec.jobTemplate.spec.template.spec
    : object.spec.template.spec;
}

/** Returns the pod template labels of a Deployment or a CronJob. */
export function podLabelsOf(object: Manifest): Record<string, string> {
  return object.kind === 'CronJob'
    ? object.spec.jobTemplate.spec.template.metadata.labels
    : object.spec.template.metadata.labels;
}
