// Security and layout defaults that every pod of the chart shares: a non-root
// user, a read-only root filesystem with a writable /tmp, no service account
// token, and the mount point of the database volume.

import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/** Mount path of the database volume in every pod. */
export const DATA_DIR = '/data';

/** Database file on the volume; the ingester writes it and Datasette reads it. */
export const DATABASE_PATH = `${DATA_DIR}/analytics.db`;

/**
 * UID and GID of the images' unprivileged user. The node:20 base images name it
 * `node`; the Datasette image creates the same IDs so both can write the volume.
 */
export const APP_USER = 1000;

/** Pod-level settings: non-root, shared group for the volume, no API token. */
export function podSecurity(): Pick<
  kplus.AbstractPodProps,
  'securityContext' | 'automountServiceAccountToken'
> {
  return {
    automountServiceAccountToken: false,
    securityContext: {
      ensureNonRoot: true,
      user: APP_USER,
      group: APP_USER,
      fsGroup: APP_USER,
      fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
    },
  };
}

/** Container-level settings: no privilege escalation, no capabilities, read-only root. */
export function containerSecurity(): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: APP_USER,
    group: APP_USER,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
  };
}

/**
 * Creates a disk-backed /tmp volume, because the root filesystem is read-only.
 * SQLite puts its temporary files for large sorts and indexes there, so it is
 * on disk rather than in memory, where it would count against the memory limit.
 */
export function tmpVolume(scope: Construct): kplus.Volume {
  return kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: Size.gibibytes(2) });
}

/**
 * Adds what cdk8s-plus-27 has no prop for: the runtime's default seccomp profile
 * and dropping every Linux capability. `podSpecPath` is the JSON pointer of the
 * pod spec inside the object, which differs between a Deployment and a CronJob.
 */
export function addHardening(workload: kplus.AbstractPod, podSpecPath: string): void {
  const object = ApiObject.of(workload);
  object.addJsonPatch(
    JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
  );
  const lists = { containers: workload.containers, initContainers: workload.initContainers };
  for (const [field, containers] of Object.entries(lists)) {
    containers.forEach((_container, index) => {
      const path = `${podSpecPath}/${field}/${index}/securityContext/capabilities`;
      object.addJsonPatch(JsonPatch.add(path, { drop: ['ALL'] }));
    });
  }
}

/** JSON pointer of the pod spec inside a Deployment. */
export const DEPLOYMENT_POD_SPEC = '/spec/template/spec';

/** JSON pointer of the pod spec inside a CronJob. */
export const CRONJOB_POD_SPEC = '/spec/jobTemplate/spec/template/spec';
