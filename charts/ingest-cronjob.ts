// The ingest CronJob: runs `cdn-analytics ingest` against the S3 sources on a
// schedule, never two runs at once, writing the database on the shared volume.
// The container runs the image's entrypoint with the same flags as a local run.

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
import {
  requireDnsSubdomain,
  requireImage,
  requireInteger,
  requireRegion,
  requireS3Url,
} from './validate.js';

/** Properties of `IngestCronJob`. */
export interface IngestCronJobProps {
  /** Ingest image whose entrypoint is `node build/ingest/cli.js`. */
  readonly image: string;
  /** Claim with the database file. */
  readonly claim: kplus.IPersistentVolumeClaim;
  /** Sources passed as repeated `--source` flags, usually s3://BUCKET/PREFIX URLs. */
  readonly sources: readonly string[];
  /** AWS region of the bucket, set as AWS_REGION for the SDK's default chain. */
  readonly region: string;
  /**
   * Five-field cron schedule.
   * @default '17 *\/6 * * *' (every 6 hours)
   */
  readonly schedule?: string;
  /**
   * IANA time zone of the schedule.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * Time a run may take before Kubernetes stops it, in minutes. The next run loads
   * whatever this one did not finish, because files commit one by one.
   * @default 240
   */
  readonly activeDeadlineMinutes?: number;
  /**
   * Retries of a failed run within one schedule slot.
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, loaded as environment.
   * @default undefined (the EC2 instance profile through IMDSv2)
   */
  readonly awsCredentialsSecret?: string;
  /**
   * Image pull policy. Images are imported into k3s without a registry, so a
   * missing image should fail with ErrImageNeverPull instead of trying a pull.
   * @default kplus.ImagePullPolicy.NEVER
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
}

/** Command-line arguments after the image's entrypoint, shared with local runs. */
export function ingestArgs(sources: readonly string[], databasePath = DATABASE_PATH): string[] {
  return ['ingest', ...sources.flatMap((source) => ['--source', source]), '--db', databasePath];
}

/** A CronJob that loads new CloudFront logs into the database every few hours. */
export class IngestCronJob extends Construct {
  /** The CronJob; its name is what `kubectl create job --from=cronjob/NAME` takes. */
  readonly cronJob: kplus.CronJob;

  constructor(scope: Construct, id: string, props: IngestCronJobProps) {
    super(scope, id);
    validate(props);

    this.cronJob = new kplus.CronJob(this, 'cronjob', {
      metadata: { name: 'ingest' },
      schedule: parseCron('schedule', props.schedule ?? '17 */6 * * *'),
      timeZone: props.timeZone ?? 'Etc/UTC',
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: Duration.minutes(30),
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      activeDeadline: Duration.minutes(props.activeDeadlineMinutes ?? 240),
      backoffLimit: props.backoffLimit ?? 2,
      restartPolicy: kplus.RestartPolicy.NEVER,
      ...podSecurity(),
    });

    const data = kplus.Volume.fromPersistentVolumeClaim(this, 'data', props.claim);
    const container = this.cronJob.addContainer({
      name: 'ingest',
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.NEVER,
      args: ingestArgs(props.sources),
      envVariables: { AWS_REGION: kplus.EnvValue.fromValue(props.region) },
      securityContext: containerSecurity(),
      // NOTE: the memory limit is an estimate with headroom. The ingester reported a
      // peak RSS of about 90 MB on the sample logs; a first load of a large bucket
      // was not measured.
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
    });
    container.mount(DATA_DIR, data);
    container.mount('/tmp', tmpVolume(this));
    if (props.awsCredentialsSecret) {
      container.env.copyFrom(
        kplus.Env.fromSecret(kplus.Secret.fromSecretName(this, 'aws', props.awsCredentialsSecret)),
      );
    }
    this.cronJob.podMetadata.addLabel('app.kubernetes.io/name', 'ingest');
    addHardening(this.cronJob, CRONJOB_POD_SPEC);
  }
}

function validate(props: IngestCronJobProps): void {
  requireImage('image', props.image);
  if (props.sources.length === 0) {
    throw new Error('sources [] is invalid: pass at least one s3://BUCKET/PREFIX URL');
  }
  props.sources.forEach((source) => requireS3Url('sources', source));
  requireRegion('region', props.region);
  requireInteger('activeDeadlineMinutes', props.activeDeadlineMinutes ?? 240, 5, 24 * 60);
  requireInteger('backoffLimit', props.backoffLimit ?? 2, 0, 10);
  if (props.awsCredentialsSecret !== undefined) {
    requireDnsSubdomain('awsCredentialsSecret', props.awsCredentialsSecret);
  }
}
