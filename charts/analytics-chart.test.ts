// Invariants of the synthesized manifests: schedules, the shared claim, probes,
// security contexts, selectors and the absence of secret values.

import { DATABASE_PATH, DATA_DIR } from './pod-defaults.js';
import { DEFAULT_SETTINGS } from './settings.js';
import {
  FULL_SETTINGS,
  findObject,
  podLabelsOf,
  podSpecOf,
  synthObjects,
  type Manifest,
} from './synth-helpers.js';

const objects = synthObjects();
const ingest = findObject(objects, 'CronJob', 'ingest');
const backup = findObject(objects, 'CronJob', 'backup');
const deployment = findObject(objects, 'Deployment', 'datasette');
const service = findObject(objects, 'Service', 'datasette');
const ingress = findObject(objects, 'Ingress', 'datasette');
const claim = findObject(objects, 'PersistentVolumeClaim', 'analytics-db');
const workloads = [ingest, backup, deployment];

describe('ingest CronJob', () => {
  test('runs every 6 hours in UTC', () => {
    expect(ingest.spec.schedule).toBe('17 */6 * * *');
    expect(ingest.spec.timeZone).toBe('Etc/UTC');
  });

  test('never overlaps runs', () => {
    expect(ingest.spec.concurrencyPolicy).toBe('Forbid');
  });

  test('has deadlines, backoff and history limits', () => {
    const job = ingest.spec.jobTemplate.spec;
    expect(ingest.spec.startingDeadlineSeconds).toBe(1800);
    expect(job.activeDeadlineSeconds).toBe(4 * 3600);
    expect(job.backoffLimit).toBe(2);
    expect(ingest.spec.successfulJobsHistoryLimit).toBe(3);
    expect(ingest.spec.failedJobsHistoryLimit).toBe(3);
    expect(podSpecOf(ingest).restartPolicy).toBe('Never');
  });

  test('passes every source and the database path', () => {
    const container = podSpecOf(ingest).containers[0];
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual([
      'ingest',
      '--source',
      's3://example-logs/cloudfront/',
      '--source',
      's3://example-logs/other-distribution/',
      '--db',
      DATABASE_PATH,
    ]);
  });

  test('sets the region for the SDK', () => {
    const env = podSpecOf(ingest).containers[0].env;
    expect(env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
  });
});

describe('backup CronJob', () => {
  test('runs daily without overlap', () => {
    expect(backup.spec.schedule).toBe('47 3 * * *');
    expect(backup.spec.concurrencyPolicy).toBe('Forbid');
  });

  test('runs the backup program of the ingest image', () => {
    const container = podSpecOf(backup).containers[0];
    expect(container.image).toBe(FULL_SETTINGS.ingestImage);
    expect(container.command).toEqual(['node', 'build/k3s/backup.js']);
    expect(container.args).toEqual([
      'backup',
      '--db',
      DATABASE_PATH,
      '--to',
      's3://example-backups/cdn-analytics/',
    ]);
  });

  test('is absent without a backup target', () => {
    const kinds = synthObjects(DEFAULT_SETTINGS).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).not.toContain('CronJob/backup');
    expect(kinds).toContain('CronJob/ingest');
  });
});

describe('database volume', () => {
  test('is one ReadWriteOnce local-path claim', () => {
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.spec.storageClassName).toBe('local-path');
    expect(claim.spec.resources.requests.storage).toBe('20Gi');
  });

  test.each(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, w]))(
    '%s mounts the claim at /data',
    (_name, workload) => {
      const pod = podSpecOf(workload as Manifest);
      const volume = pod.volumes.find(
        (v: Manifest) => v.persistentVolumeClaim?.claimName === 'analytics-db',
      );
      expect(volume).toBeDefined();
      expect(volume.persistentVolumeClaim.readOnly).toBe(false);
      const mount = pod.containers[0].volumeMounts.find((m: Manifest) => m.name === volume.name);
      expect(mount.mountPath).toBe(DATA_DIR);
    },
  );
});

describe('Datasette Deployment', () => {
  const pod = podSpecOf(deployment);
  const container = pod.containers[0];

  test('runs one replica with Recreate', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test.each(['startupProbe', 'readinessProbe', 'livenessProbe'])(
    '%s calls /healthz on the container port',
    (probe) => {
      expect(container[probe].httpGet.path).toBe('/healthz');
      expect(container[probe].httpGet.port).toBe(container.ports[0].containerPort);
    },
  );

  test('sets resource requests and limits', () => {
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(container.resources.limits.cpu).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  test('waits for the database before starting', () => {
    const init = pod.initContainers[0];
    expect(init.name).toBe('wait-for-database');
    expect(init.image).toBe(container.image);
    expect(init.command.join(' ')).toContain(`until [ -s ${DATABASE_PATH} ]`);
    expect(init.volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: DATA_DIR, readOnly: true }),
    );
  });

  test('reads credentials from Secrets by name', () => {
    expect(container.envFrom).toEqual([
      { secretRef: { name: 'datasette-api-tokens' } },
      { secretRef: { name: 'datasette-login' } },
    ]);
  });
});

describe('Service and Ingress', () => {
  test('Deployment selector matches its pod labels', () => {
    const labels = podLabelsOf(deployment);
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) {
      expect(labels[key]).toBe(value);
    }
  });

  test('Service selects the Datasette pods', () => {
    const labels = podLabelsOf(deployment);
    expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect(labels[key]).toBe(value);
    }
  });

  test('Service targets the container port', () => {
    const containerPort = podSpecOf(deployment).containers[0].ports[0].containerPort;
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports[0].targetPort).toBe(containerPort);
  });

  test('Ingress routes the host to the Service', () => {
    const rule = ingress.spec.rules[0];
    const backend = rule.http.paths[0].backend.service;
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(rule.host).toBe('stats.example.com');
    expect(rule.http.paths[0].path).toBe('/');
    expect(backend.name).toBe(service.metadata.name);
    expect(backend.port.number).toBe(service.spec.ports[0].port);
  });

  test('Ingress uses the TLS Secret by name', () => {
    expect(ingress.spec.tls).toEqual([{ hosts: ['stats.example.com'], secretName: 'stats-tls' }]);
  });

  test('Ingress without host matches every host over HTTP', () => {
    const plain = findObject(synthObjects(DEFAULT_SETTINGS), 'Ingress', 'datasette');
    expect(plain.spec.rules[0].host).toBeUndefined();
    expect(plain.spec.tls).toBeUndefined();
  });
});

describe('security', () => {
  test('Datasette pod has no egress', () => {
    const policy = findObject(objects, 'NetworkPolicy', 'datasette-deny-egress');
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    expect(policy.spec.egress).toBeUndefined();
    expect(policy.spec.ingress).toBeUndefined();
  });

  test.each(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, w]))(
    '%s pod is non-root without a token',
    (_name, workload) => {
      const pod = podSpecOf(workload as Manifest);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.hostNetwork).toBe(false);
    },
  );

  test.each(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, w]))(
    '%s containers are locked down',
    (_name, workload) => {
      const pod = podSpecOf(workload as Manifest);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const context = container.securityContext;
        expect(context.runAsNonRoot).toBe(true);
        expect(context.readOnlyRootFilesystem).toBe(true);
        expect(context.allowPrivilegeEscalation).toBe(false);
        expect(context.privileged).toBe(false);
        expect(context.capabilities).toEqual({ drop: ['ALL'] });
      }
    },
  );

  test.each(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, w]))(
    '%s uses a local image only',
    (_name, workload) => {
      const container = podSpecOf(workload as Manifest).containers[0];
      expect(container.imagePullPolicy).toBe('Never');
      expect(container.image).toMatch(/^cdn-analytics-(ingest|datasette):\d/);
    },
  );

  test.each(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, w]))(
    '%s has a disk-backed /tmp',
    (_name, workload) => {
      const pod = podSpecOf(workload as Manifest);
      const tmp = pod.volumes.find((v: Manifest) => v.name === 'tmp');
      expect(tmp.emptyDir.medium).toBeUndefined();
      expect(tmp.emptyDir.sizeLimit).toBe('2048Mi');
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    },
  );

  test('no manifest creates a Secret', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('no value looks like a credential', () => {
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/pbkdf2_sha256\$/);
    expect(text).not.toMatch(/[0-9a-f]{32,}/i);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
  });

  test('no environment variable carries a credential', () => {
    const credential = /TOKEN|PASSWORD|SECRET|ACCESS_KEY|HASH/i;
    for (const workload of workloads) {
      for (const entry of podSpecOf(workload).containers[0].env ?? []) {
        expect(credential.test(entry.name) ? entry.name : 'ok').toBe('ok');
      }
    }
  });

  test('access keys come from the named Secret', () => {
    for (const job of [ingest, backup]) {
      expect(podSpecOf(job).containers[0].envFrom).toEqual([{ secretRef: { name: 'aws-keys' } }]);
    }
  });

  test('instance profile is the default', () => {
    const plain = findObject(synthObjects(DEFAULT_SETTINGS), 'CronJob', 'ingest');
    expect(podSpecOf(plain).containers[0].envFrom).toBeUndefined();
  });
});

describe('labels and namespace', () => {
  test('namespace comes first', () => {
    expect(objects[0].kind).toBe('Namespace');
    expect(objects[0].metadata.name).toBe('cdn-analytics');
    expect(objects[0].metadata.namespace).toBeUndefined();
  });

  test('every other object is in the namespace', () => {
    for (const object of objects.slice(1)) {
      expect(`${object.kind}/${object.metadata.namespace}`).toBe(`${object.kind}/cdn-analytics`);
    }
  });

  test('every object carries the app label', () => {
    for (const object of objects) {
      expect(object.metadata.labels['app.kubernetes.io/part-of']).toBe('cdn-analytics');
    }
  });

  test.each([
    ['ingest', ingest],
    ['backup', backup],
    ['datasette', deployment],
  ])('%s pods are labelled with their name', (name, workload) => {
    expect(podLabelsOf(workload as Manifest)['app.kubernetes.io/name']).toBe(name);
  });
});
