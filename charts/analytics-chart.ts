// The whole deployment as one chart: namespace, database volume, ingest and
// backup CronJobs, and Datasette with its Service and Ingress, built from the
// deploy settings.

import { type App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { BackupCronJob } from './backup-cronjob.js';
import { DatasetteIngress } from './datasette-ingress.js';
import { DatasetteServer } from './datasette-server.js';
import { IngestCronJob } from './ingest-cronjob.js';
import type { DeploySettings } from './settings.js';
import { DatabaseVolume } from './storage.js';
import { requireDnsLabel } from './validate.js';

/** Label on every object of the chart, for `kubectl get all -l`. */
export const APP_LABEL = { 'app.kubernetes.io/part-of': 'cdn-analytics' };

/**
 * The namespace on its own, because a chart's `namespace` prop would also stamp
 * metadata.namespace on the cluster-scoped Namespace object.
 */
export class NamespaceChart extends Chart {
  constructor(scope: Construct, id: string, namespace: string) {
    requireDnsLabel('namespace', namespace);
    super(scope, id, { labels: APP_LABEL });
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });
  }
}

/** Volume, CronJobs, Deployment, Service and Ingress of cdn-analytics, in one namespace. */
export class AnalyticsChart extends Chart {
  /** The database volume shared by every pod. */
  readonly volume: DatabaseVolume;

  constructor(scope: Construct, id: string, settings: DeploySettings) {
    requireDnsLabel('namespace', settings.namespace);
    super(scope, id, { namespace: settings.namespace, labels: APP_LABEL });

    this.volume = new DatabaseVolume(this, 'database', {
      storageGiB: settings.storageGiB,
      storageClass: settings.storageClass,
    });
    const claim = this.volume.claim;

    new IngestCronJob(this, 'ingest', {
      image: settings.ingestImage,
      claim,
      sources: settings.sources,
      region: settings.region,
      schedule: settings.ingestSchedule,
      timeZone: settings.timeZone,
      awsCredentialsSecret: settings.awsCredentialsSecret,
    });
    if (settings.backupTarget) {
      new BackupCronJob(this, 'backup', {
        image: settings.ingestImage,
        claim,
        target: settings.backupTarget,
        region: settings.region,
        schedule: settings.backupSchedule,
        timeZone: settings.timeZone,
        awsCredentialsSecret: settings.awsCredentialsSecret,
      });
    }

    const datasette = new DatasetteServer(this, 'datasette', {
      image: settings.datasetteImage,
      claim,
      secretNames: [settings.datasetteSecrets.apiTokens, settings.datasetteSecrets.passwordHash],
    });
    new DatasetteIngress(this, 'ingress', {
      service: datasette.service,
      host: settings.ingressHost,
      tlsSecret: settings.tlsSecret,
    });
  }
}

/** Adds the namespace chart and the application chart, in apply order, to `app`. */
export function buildApp(app: App, settings: DeploySettings): AnalyticsChart {
  const namespace = new NamespaceChart(app, 'namespace', settings.namespace);
  const chart = new AnalyticsChart(app, 'cdn-analytics', settings);
  chart.addDependency(namespace);
  return chart;
}
