// A one-off Job that replaces the database with a backup from S3. k3s/restore.sh
// applies it after stopping Datasette and suspending the CronJobs, because the
// restore deletes the WAL files that an open connection still uses.

import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { BACKUP_COMMAND } from './backup-cronjob.js';
import { APP_LABEL } from './analytics-chart.js';
import {
  CRONJOB_POD_SPEC,
  DATA_DIR,
  DATABASE_PATH,
  addHardening,
  containerSecurity,
  podSecurity,
  tmpVolume,
} from './pod-defaults.js';
import {
  requireDnsLabel,
  requireDnsSubdomain,
  requireImage,
  requireRegion,
  requireS3Url,
} from './validate.js';

/** Properties of `RestoreJobChart`. */
export interface RestoreJobProps {
  /** Namespace of the deployment. */
  readonly namespace: string;
  /** Ingest image, which contains the backup program. */
  readonly image: string;
  /** Backup object to restore, as s3://BUCKET/KEY. */
  readonly from: string;
  /** AWS region of the backup bucket. */
  readonly region: string;
  /** Job name; the restore script adds a time stamp so each restore has its own. */
  readonly name: string;
  /**
   * Name of the database claim.
   * @default 'analytics-db'
   */
  readonly claimName?: string;
  /**
   * Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, loaded as environment.
   * @default undefined (the EC2 instance profile through IMDSv2)
   */
  readonly awsCredentialsSecret?: string;
}

/** A chart with one Job that runs `backup.js restore` against the database claim. */
export class RestoreJobChart extends Chart {
  /** The Job. */
  readonly job: kplus.Job;

  constructor(scope: Construct, id: string, props: RestoreJobProps) {
    validate(props);
    super(scope, id, { namespace: props.namespace, labels: APP_LABEL });

    this.job = new kplus.Job(this, 'job', {
      metadata: { name: props.name },
      backoffLimit: 0,
      activeDeadline: Duration.hours(1),
      restartPolicy: kplus.RestartPolicy.NEVER,
      ...podSecurity(),
    });
    const claim = kplus.PersistentVolumeClaim.fromClaimName(
      this,
      'claim',
      props.claimName ?? 'analytics-db',
    );
    const container = this.job.addContainer({
      name: 'restore',
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.NEVER,
      command: BACKUP_COMMAND,
      args: ['restore', '--from', props.from, '--db', DATABASE_PATH],
      envVariables: { AWS_REGION: kplus.EnvValue.fromValue(props.region) },
      securityContext: containerSecurity(),
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
      },
    });
    container.mount(DATA_DIR, kplus.Volume.fromPersistentVolumeClaim(this, 'data', claim));
    container.mount('/tmp', tmpVolume(this));
    if (props.awsCredentialsSecret) {
      const secret = kplus.Secret.fromSecretName(this, 'aws', props.awsCredentialsSecret);
      container.env.copyFrom(kplus.Env.fromSecret(secret));
    }
    this.job.podMetadata.addLabel('app.kubernetes.io/name', 'restore');
    addHardening(this.job, JOB_POD_SPEC);
  }
}

/** JSON pointer of the pod spec inside a Job. */
const JOB_POD_SPEC = CRONJOB_POD_SPEC.replace('/jobTemplate/spec', '');

function validate(props: RestoreJobProps): void {
  requireDnsLabel('namespace', props.namespace);
  requireImage('image', props.image);
  requireS3Url('from', props.from);
  if (props.from.endsWith('/') || !props.from.slice('s3://'.length).includes('/')) {
    throw new Error(`from '${props.from}' is invalid: name one object, s3://BUCKET/KEY`);
  }
  requireRegion('region', props.region);
  requireDnsLabel('name', props.name);
  if (props.claimName !== undefined) requireDnsSubdomain('claimName', props.claimName);
  if (props.awsCredentialsSecret !== undefined) {
    requireDnsSubdomain('awsCredentialsSecret', props.awsCredentialsSecret);
  }
}
