// Prop checks shared by the constructs. Each throws naming the prop, echoing the
// value and saying what is allowed, as cdk8s-plus does.

// A DNS-1123 label: what Kubernetes accepts as a namespace or Secret name part.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless `value` is a DNS-1123 label of at most 63 characters. */
export function requireDnsLabel(prop: string, value: string): void {
  if (!DNS_LABEL.test(value) || value.length > 63) {
    throw new Error(
      `${prop} '${value}' is invalid: use at most 63 lowercase letters, digits and '-'`,
    );
  }
}

/** Throws unless `value` is a DNS-1123 subdomain, the rule for Secret and host names. */
export function requireDnsSubdomain(prop: string, value: string): void {
  if (!DNS_SUBDOMAIN.test(value) || value.length > 253) {
    throw new Error(
      `${prop} '${value}' is invalid: use lowercase letters, digits, '-' and '.' (at most 253)`,
    );
  }
}

/** Throws unless `value` is a whole number in [min, max]. */
export function requireInteger(prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} ${value} is invalid: use a whole number from ${min} to ${max}`);
  }
}

/** Throws unless `value` is a five-field cron expression (no @hourly macros). */
export function requireCron(prop: string, value: string): void {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((field) => /^[0-9*/,-]+$/.test(field))) {
    throw new Error(
      `${prop} '${value}' is invalid: use five cron fields of digits, '*', '/', ',' and '-'`,
    );
  }
}

/** Throws unless `value` names a container image with an explicit tag or digest. */
export function requireImage(prop: string, value: string): void {
  const lastPart = value.split('/').pop() ?? '';
  const pinned = lastPart.includes('@') || /:[\w][\w.-]{0,127}$/.test(lastPart);
  if (!pinned || /\s/.test(value) || value.endsWith(':latest')) {
    throw new Error(
      `${prop} '${value}' is invalid: name an image with a fixed tag or digest, not ':latest'`,
    );
  }
}

/** Throws unless `value` is an s3://BUCKET or s3://BUCKET/PREFIX URL. */
export function requireS3Url(prop: string, value: string): void {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/.test(value)) {
    throw new Error(
      `${prop} '${value}' is invalid: use s3://BUCKET/PREFIX, where BUCKET has 3 to 63 lowercase letters, digits, '.' or '-'`,
    );
  }
}

/** Throws unless `value` looks like an AWS region code such as us-east-1. */
export function requireRegion(prop: string, value: string): void {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(value)) {
    throw new Error(`${prop} '${value}' is invalid: use an AWS region code such as us-east-1`);
  }
}
