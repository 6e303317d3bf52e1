// Deploy settings for the k3s chart: one typed object with documented defaults,
// overridable from CDN_ANALYTICS_* environment variables so `npm run synth` needs
// no code change per installation. Secrets are referenced by name, never by value.

/** Names of the Kubernetes Secrets that the Datasette pod reads its credentials from. */
export interface DatasetteSecretNames {
  /**
   * Secret whose keys become environment variables holding the API token(s) for
   * datasette-auth-tokens. See datasette/README.md for the key names.
   * @default 'datasette-api-tokens'
   */
  readonly apiTokens: string;
  /**
   * Secret whose keys become environment variables holding the login password
   * hash for datasette-auth-passwords.
   * @default 'datasette-login'
   */
  readonly passwordHash: string;
}

/** Everything that differs between installations of the chart. */
export interface DeploySettings {
  /**
   * Namespace of every object of the chart.
   * @default 'cdn-analytics'
   */
  readonly namespace: string;
  /**
   * Image of the ingester (and the backup job), imported into k3s without a registry.
   * @default 'cdn-analytics-ingest:0.1.0'
   */
  readonly ingestImage: string;
  /**
   * Image of the Datasette server, imported into k3s without a registry.
   * @default 'cdn-analytics-datasette:0.1.0'
   */
  readonly datasetteImage: string;
  /**
   * Cron schedule of the ingest CronJob, in the time zone below.
   * @default '17 *\/6 * * *' (every 6 hours, off the hour)
   */
  readonly ingestSchedule: string;
  /**
   * Cron schedule of the backup CronJob.
   * @default '47 3 * * *' (daily)
   */
  readonly backupSchedule: string;
  /**
   * IANA time zone of both schedules.
   * @default 'Etc/UTC'
   */
  readonly timeZone: string;
  /**
   * Log sources passed to `ingest --source`: s3://BUCKET/PREFIX URLs.
   * @default [PLACEHOLDER_SOURCE] (synth warns; set CDN_ANALYTICS_SOURCES)
   */
  readonly sources: readonly string[];
  /**
   * AWS region of the log bucket, passed as AWS_REGION to the SDK.
   * @default 'us-east-1'
   */
  readonly region: string;
  /**
   * S3 URL (s3://BUCKET/PREFIX/) that the backup CronJob writes database copies under.
   * @default undefined (no backup CronJob)
   */
  readonly backupTarget?: string;
  /**
   * Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the ingest and backup
   * pods. Leave unset to use the EC2 instance profile through IMDSv2.
   * @default undefined (instance profile)
   */
  readonly awsCredentialsSecret?: string;
  /**
   * Size of the persistent volume claim for the SQLite database.
   * @default 20 (GiB)
   */
  readonly storageGiB: number;
  /**
   * Storage class of the claim; k3s ships the local-path provisioner.
   * @default 'local-path'
   */
  readonly storageClass: string;
  /**
   * Host name of the Ingress. Leave unset to match every host.
   * @default undefined
   */
  readonly ingressHost?: string;
  /**
   * Secret of type kubernetes.io/tls for the Ingress host. Requires ingressHost.
   * @default undefined (plain HTTP)
   */
  readonly tlsSecret?: string;
  /** Secrets that contain the Datasette credentials. */
  readonly datasetteSecrets: DatasetteSecretNames;
}

/**
 * Source that a synth without CDN_ANALYTICS_SOURCES uses, so a fresh clone
 * still writes valid manifests. Ingest runs fail until it is replaced.
 */
export const PLACEHOLDER_SOURCE = 's3://your-log-bucket/cloudfront/';

export const DEFAULT_SETTINGS: DeploySettings = {
  namespace: 'cdn-analytics',
  ingestImage: 'cdn-analytics-ingest:0.1.0',
  datasetteImage: 'cdn-analytics-datasette:0.1.0',
  ingestSchedule: '17 */6 * * *',
  backupSchedule: '47 3 * * *',
  timeZone: 'Etc/UTC',
  sources: [PLACEHOLDER_SOURCE],
  region: 'us-east-1',
  storageGiB: 20,
  storageClass: 'local-path',
  datasetteSecrets: { apiTokens: 'datasette-api-tokens', passwordHash: 'datasette-login' },
};

/** Environment variable that overrides each setting; list values are comma-separated. */
export const SETTINGS_ENV = {
  namespace: 'CDN_ANALYTICS_NAMESPACE',
  ingestImage: 'CDN_ANALYTICS_INGEST_IMAGE',
  datasetteImage: 'CDN_ANALYTICS_DATASETTE_IMAGE',
  ingestSchedule: 'CDN_ANALYTICS_SCHEDULE',
  backupSchedule: 'CDN_ANALYTICS_BACKUP_SCHEDULE',
  timeZone: 'CDN_ANALYTICS_TIME_ZONE',
  sources: 'CDN_ANALYTICS_SOURCES',
  region: 'CDN_ANALYTICS_REGION',
  backupTarget: 'CDN_ANALYTICS_BACKUP_TARGET',
  awsCredentialsSecret: 'CDN_ANALYTICS_AWS_CREDENTIALS_SECRET',
  storageGiB: 'CDN_ANALYTICS_STORAGE_GIB',
  storageClass: 'CDN_ANALYTICS_STORAGE_CLASS',
  ingressHost: 'CDN_ANALYTICS_INGRESS_HOST',
  tlsSecret: 'CDN_ANALYTICS_TLS_SECRET',
  apiTokensSecret: 'CDN_ANALYTICS_API_TOKENS_SECRET',
  passwordHashSecret: 'CDN_ANALYTICS_PASSWORD_HASH_SECRET',
} as const;

/** Applies the CDN_ANALYTICS_* variables of `env` over the defaults. */
export function settingsFromEnv(
  env: Record<string, string | undefined>,
  base: DeploySettings = DEFAULT_SETTINGS,
): DeploySettings {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const E = SETTINGS_ENV;
  const sources = text(E.sources);
  const storageGiB = text(E.storageGiB);

  return {
    namespace: text(E.namespace) ?? base.namespace,
    ingestImage: text(E.ingestImage) ?? base.ingestImage,
    datasetteImage: text(E.datasetteImage) ?? base.datasetteImage,
    ingestSchedule: text(E.ingestSchedule) ?? base.ingestSchedule,
    backupSchedule: text(E.backupSchedule) ?? base.backupSchedule,
    timeZone: text(E.timeZone) ?? base.timeZone,
    sources: sources ? sources.split(',').map((s) => s.trim()) : base.sources,
    region: text(E.region) ?? base.region,
    backupTarget: text(E.backupTarget) ?? base.backupTarget,
    awsCredentialsSecret: text(E.awsCredentialsSecret) ?? base.awsCredentialsSecret,
    storageGiB: storageGiB === undefined ? base.storageGiB : Number(storageGiB),
    storageClass: text(E.storageClass) ?? base.storageClass,
    ingressHost: text(E.ingressHost) ?? base.ingressHost,
    tlsSecret: text(E.tlsSecret) ?? base.tlsSecret,
    datasetteSecrets: {
      apiTokens: text(E.apiTokensSecret) ?? base.datasetteSecrets.apiTokens,
      passwordHash: text(E.passwordHashSecret) ?? base.datasetteSecrets.passwordHash,
    },
  };
}
