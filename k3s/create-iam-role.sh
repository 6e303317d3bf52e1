#!/usr/bin/env bash
# Creates the node's IAM role and instance profile with the least privilege the
# pods need: list and read the CloudFront logs under one prefix, and write and
# read database backups under another. Nothing may delete, so an expiry rule on
# the backup prefix (S3 lifecycle) is what removes old copies.
# Usage: k3s/create-iam-role.sh LOG_BUCKET LOG_PREFIX BACKUP_BUCKET BACKUP_PREFIX [ROLE]
# Example: k3s/create-iam-role.sh my-cf-logs cloudfront/ my-backups cdn-analytics/
# Runs the AWS CLI with your credentials; ROLE defaults to cdn-analytics-node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -lt 4 ]; then
  echo "error: missing arguments; use LOG_BUCKET LOG_PREFIX BACKUP_BUCKET BACKUP_PREFIX [ROLE]" >&2
  exit 2
fi
log_bucket=$1 log_prefix=$2 backup_bucket=$3 backup_prefix=$4
role=${5:-cdn-analytics-node}
for name in "$log_bucket" "$backup_bucket"; do
  if ! [[ $name =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]]; then
    echo "error: bucket '$name' is invalid; use the bucket name without s3://" >&2
    exit 2
  fi
done

policy=$(sed -e "s|LOG_BUCKET|$log_bucket|g" -e "s|LOG_PREFIX|$log_prefix|g" \
  -e "s|BACKUP_BUCKET|$backup_bucket|g" -e "s|BACKUP_PREFIX|$backup_prefix|g" \
  "$here/iam-policy.json")

aws iam create-role --role-name "$role" \
  --assume-role-policy-document "file://$here/ec2-trust-policy.json" >/dev/null
aws iam put-role-policy --role-name "$role" --policy-name cdn-analytics-s3 \
  --policy-document "$policy"
aws iam create-instance-profile --instance-profile-name "$role" >/dev/null
aws iam add-role-to-instance-profile --instance-profile-name "$role" --role-name "$role"
echo "$role"
