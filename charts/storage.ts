// The persistent volume claim for the SQLite database. On one k3s node the
// local-path provisioner backs it with a host folder, so it is ReadWriteOnce and
// every pod that mounts it runs on that node.

import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { requireDnsSubdomain, requireInteger } from './validate.js';

/** Properties of `DatabaseVolume`. */
export interface DatabaseVolumeProps {
  /**
   * Requested size in GiB.
   * @default 20
   */
  readonly storageGiB?: number;
  /**
   * Storage class that provisions the volume.
   * @default 'local-path' (k3s's built-in provisioner)
   */
  readonly storageClass?: string;
}

/** A ReadWriteOnce claim for the database file. */
export class DatabaseVolume extends Construct {
  /** The claim that the ingest, backup and Datasette pods mount. */
  readonly claim: kplus.PersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: DatabaseVolumeProps = {}) {
    super(scope, id);
    const storageGiB = props.storageGiB ?? 20;
    const storageClass = props.storageClass ?? 'local-path';
    requireInteger('storageGiB', storageGiB, 1, 16_384);
    requireDnsSubdomain('storageClass', storageClass);

    this.claim = new kplus.PersistentVolumeClaim(this, 'claim', {
      metadata: { name: 'analytics-db' },
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      storage: Size.gibibytes(storageGiB),
      storageClassName: storageClass,
      volumeMode: kplus.PersistentVolumeMode.FILE_SYSTEM,
    });
  }
}
