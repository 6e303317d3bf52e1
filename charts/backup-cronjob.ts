// The backup CronJob: copies the live database with SQLite's online backup API
// (better-sqlite3's db.backup) and uploads the gzipped copy to S3. It runs the
// ingest image, which also contains build/k3s/backup.js.

import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parseCron } from './cron.js';
import {
  CRONJOB_POD_SPEC,
  DATA_DIR,
  DATABASE_PATH,
  addHardening,
  containerSecurity,
  podSecurity,
  tmpVolume,
} from './pod-defaults.js';
import { requireDnsSubdomain, requireImage, requireRegion, requireS3Url } from './validate.js';

/** Command that replaces the ingest image's entrypoint for backups. */
export const BACKUP_COMMAND = ['node', 'build/k3s/backup.js'];

/** Properties of `BackupCronJob`. */
export interface BackupCronJobProps {
  /** Ingest image, which contains the backup program. */
  readonly image: string;
  /** Claim with the database file. */
  readonly claim: kplus.IPersistentVolumeClaim;
  /** S3 URL that each copy is written under, as s3://BUCKET/PREFIX/. */
  readonly target: string;
  /** AWS region of the backup bucket. */
  readonly region: string;
  /**
   * Five-field cron schedule.
   * @default '47 3 * * *' (daily)
   */
  readonly schedule?: string;
  /**
   * IANA time zone of the schedule.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, loaded as environment.
   * @default undefined (the EC2 instance profile through IMDSv2)
   */
  readonly awsCredentialsSecret?: string;
  /**
   * Image pull policy; see `IngestCronJobProps.imagePullPolicy`.
   * @default kplus.ImagePullPolicy.NEVER
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
}

/** Arguments of the backup program for one database and target. */
export function backupArgs(target: string, databasePath = DATABASE_PATH): string[] {
  return ['backup', '--db', databasePath, '--to', target];
}

/** A daily consistent copy of the database in S3. */
export class BackupCronJob extends Construct {
  /** The CronJob. */
  readonly cronJob: kplus.CronJob;

  constructor(scope: Construct, id: string, props: BackupCronJobProps) {
    super(scope, id);
    validate(props);

    this.cronJob = new kplus.CronJob(this, 'cronjob', {
      metadata: { name: 'backup' },
      schedule: parseCron('schedule', props.schedule ?? '47 3 * * *'),
      timeZone: props.timeZone ?? 'Etc/UTC',
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: Duration.hours(1),
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      activeDeadline: Duration.hours(1),
      backoffLimit: 2,
      restartPolicy: kplus.RestartPolicy.NEVER,
      ...podSecurity(),
    });

    const container = this.cronJob.addContainer({
      name: 'backup',
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.NEVER,
      command: BACKUP_COMMAND,
      args: backupArgs(props.target),
      envVariables: { AWS_REGION: kplus.EnvValue.fromValue(props.region) },
      securityContext: containerSecurity(),
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
      },
    });
    container.mount(DATA_DIR, kplus.Volume.fromPersistentVolumeClaim(this, 'data', props.claim));
    container.mount('/tmp', tmpVolume(this));
    if (props.awsCredentialsSecret) {
      const secret = kplus.Secret.fromSecretName(this, 'aws', props.awsCredentialsSecret);
      container.env.copyFrom(kplus.Env.fromSecret(secret));
    }
    this.cronJob.podMetadata.addLabel('app.kubernetes.io/name', 'backup');
    addHardening(this.cronJob, CRONJOB_POD_SPEC);
  }
}

function validate(props: BackupCronJobProps): void {
  requireImage('image', props.image);
  requireS3Url('target', props.target);
  requireRegion('region', props.region);
  if (props.awsCredentialsSecret !== undefined) {
    requireDnsSubdomain('awsCredentialsSecret', props.awsCredentialsSecret);
  }
}
