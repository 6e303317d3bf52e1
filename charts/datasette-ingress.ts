// The Ingress that k3s's bundled Traefik serves Datasette through: every host
// or one host name, with TLS from an existing kubernetes.io/tls Secret.

import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { requireDnsSubdomain } from './validate.js';

/** Properties of `DatasetteIngress`. */
export interface DatasetteIngressProps {
  /** Service that receives the traffic. */
  readonly service: kplus.Service;
  /**
   * Host name to match.
   * @default undefined (every host)
   */
  readonly host?: string;
  /**
   * Secret of type kubernetes.io/tls holding the host's certificate. Requires `host`.
   * @default undefined (HTTP only)
   */
  readonly tlsSecret?: string;
  /**
   * IngressClass that serves the Ingress.
   * @default 'traefik' (installed by k3s)
   */
  readonly className?: string;
}

/** Routes HTTP(S) on the node's ports 80/443 to the Datasette Service. */
export class DatasetteIngress extends Construct {
  /** The Ingress object. */
  readonly ingress: kplus.Ingress;

  constructor(scope: Construct, id: string, props: DatasetteIngressProps) {
    super(scope, id);
    validate(props);

    this.ingress = new kplus.Ingress(this, 'ingress', {
      metadata: { name: 'datasette' },
      className: props.className ?? 'traefik',
    });
    const backend = kplus.IngressBackend.fromService(props.service);
    if (props.host) {
      this.ingress.addHostRule(props.host, '/', backend, kplus.HttpIngressPathType.PREFIX);
    } else {
      this.ingress.addRule('/', backend, kplus.HttpIngressPathType.PREFIX);
    }
    if (props.host && props.tlsSecret) {
      const secret = kplus.Secret.fromSecretName(this, 'tls', props.tlsSecret);
      this.ingress.addTls([{ hosts: [props.host], secret }]);
    }
  }
}

function validate(props: DatasetteIngressProps): void {
  if (props.host !== undefined) requireDnsSubdomain('host', props.host);
  if (props.tlsSecret !== undefined) {
    requireDnsSubdomain('tlsSecret', props.tlsSecret);
    if (!props.host) {
      throw new Error(`tlsSecret '${props.tlsSecret}' requires host: set the Ingress host name`);
    }
  }
  if (props.className !== undefined) requireDnsSubdomain('className', props.className);
}
