// The Datasette Deployment, its ClusterIP Service and a NetworkPolicy that
// denies the pod all egress. One replica with the Recreate strategy, because
// two pods must never share the ReadWriteOnce database volume. Probes call the
// unauthenticated /healthz route.

import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  DATA_DIR,
  DATABASE_PATH,
  DEPLOYMENT_POD_SPEC,
  addHardening,
  containerSecurity,
  podSecurity,
  tmpVolume,
} from './pod-defaults.js';
import { requireDnsSubdomain, requireImage, requireInteger } from './validate.js';

/** Path of the health route that returns 200 `ok` without credentials. */
export const HEALTH_PATH = '/healthz';

/** Port Datasette listens on inside the pod. */
export const DATASETTE_PORT = 8001;

/** Arguments after the Datasette image's entrypoint, shared with local runs. */
export function datasetteArgs(databasePath = DATABASE_PATH): string[] {
  return ['--db', databasePath, '--host', '0.0.0.0', '--port', String(DATASETTE_PORT)];
}

/** Properties of `DatasetteServer`. */
export interface DatasetteServerProps {
  /** Datasette image built from datasette/Dockerfile. */
  readonly image: string;
  /** Claim with the database file that the ingester writes. */
  readonly claim: kplus.IPersistentVolumeClaim;
  /**
   * Secrets whose keys are loaded as environment variables: the API tokens and
   * the login password hash, referenced by name only.
   */
  readonly secretNames: readonly string[];
  /**
   * Service port that the Ingress sends traffic to.
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * Image pull policy; see `IngestCronJobProps.imagePullPolicy`.
   * @default kplus.ImagePullPolicy.NEVER
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
}

/** Datasette serving the database behind a ClusterIP Service. */
export class DatasetteServer extends Construct {
  /** The single-replica Deployment. */
  readonly deployment: kplus.Deployment;
  /** The ClusterIP Service in front of it. */
  readonly service: kplus.Service;
  /** Denies all egress from the Datasette pod; see the constructor. */
  readonly egressPolicy: kplus.NetworkPolicy;

  constructor(scope: Construct, id: string, props: DatasetteServerProps) {
    super(scope, id);
    validate(props);

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: 'datasette' },
      replicas: 1,
      strategy: kplus.DeploymentStrategy.recreate(),
      terminationGracePeriod: Duration.seconds(30),
      ...podSecurity(),
    });
    this.deployment.podMetadata.addLabel('app.kubernetes.io/name', 'datasette');
    this.addContainer(props);
    addHardening(this.deployment, DEPLOYMENT_POD_SPEC);

    this.service = this.deployment.exposeViaService({
      name: 'datasette',
      serviceType: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: props.servicePort ?? 80, targetPort: DATASETTE_PORT }],
    });

    // Datasette opens no outbound connection. Denying egress keeps a compromised
    // pod from reaching the instance metadata service, which the IMDSv2 hop
    // limit of 2 makes reachable from pods, and with it the node's AWS role.
    // Replies to inbound requests are not egress, so serving is unaffected.
    this.egressPolicy = new kplus.NetworkPolicy(this, 'deny-egress', {
      metadata: { name: 'datasette-deny-egress' },
      selector: this.deployment,
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
  }

  private addContainer(props: DatasetteServerProps): void {
    const health = (options: kplus.HttpGetProbeOptions) =>
      kplus.Probe.fromHttpGet(HEALTH_PATH, { port: DATASETTE_PORT, ...options });
    const container = this.deployment.addContainer({
      name: 'datasette',
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.NEVER,
      args: datasetteArgs(),
      ports: [{ name: 'http', number: DATASETTE_PORT }],
      securityContext: containerSecurity(),
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      // Startup allows 2 minutes for the first start; liveness then restarts a hung server.
      startup: health({ periodSeconds: Duration.seconds(5), failureThreshold: 24 }),
      readiness: health({ periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      liveness: health({
        periodSeconds: Duration.seconds(20),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 3,
      }),
    });

    const data = kplus.Volume.fromPersistentVolumeClaim(this, 'data', props.claim);
    container.mount(DATA_DIR, data);
    container.mount('/tmp', tmpVolume(this));
    this.addWaitForDatabase(props, data);
    props.secretNames.forEach((name, index) => {
      const secret = kplus.Secret.fromSecretName(this, `secret-${index}`, name);
      container.env.copyFrom(kplus.Env.fromSecret(secret));
    });
  }

  /**
   * Holds the pod in Init until the first ingest has created the database, so a
   * fresh install shows "Init:0/1" instead of a crash loop of serve.sh's
   * "database not found".
   */
  private addWaitForDatabase(props: DatasetteServerProps, data: kplus.Volume): void {
    const init = this.deployment.addInitContainer({
      name: 'wait-for-database',
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.NEVER,
      command: ['sh', '-c', WAIT_FOR_DATABASE],
      securityContext: containerSecurity(),
      resources: {
        cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) },
      },
    });
    init.mount(DATA_DIR, data, { readOnly: true });
  }
}

/** Shell loop of the init container; the message shows in `kubectl logs -c wait-for-database`. */
const WAIT_FOR_DATABASE =
  `until [ -s ${DATABASE_PATH} ]; do ` +
  `echo "waiting for the first ingest to create ${DATABASE_PATH}"; sleep 10; done`;

function validate(props: DatasetteServerProps): void {
  requireImage('image', props.image);
  props.secretNames.forEach((name) => requireDnsSubdomain('secretNames', name));
  requireInteger('servicePort', props.servicePort ?? 80, 1, 65_535);
}
