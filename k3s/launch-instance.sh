#!/usr/bin/env bash
# Launches the EC2 instance that runs k3s: Ubuntu 24.04 from Canonical's SSM
# parameter, the instance profile from create-iam-role.sh, cloud-init.yaml as
# user data, and IMDSv2 with a hop limit of 2. Pods reach the metadata service
# through one more network hop than the host, and with the default limit of 1
# the token response never reaches them, so the SDK finds no credentials.
# Usage: KEY_NAME=... SUBNET_ID=... SECURITY_GROUP_ID=... k3s/launch-instance.sh
# Optional: INSTANCE_TYPE (t3.medium), VOLUME_GIB (30), PROFILE (cdn-analytics-node).
# The security group should allow SSH from your address and 80/443 from users.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

for name in KEY_NAME SUBNET_ID SECURITY_GROUP_ID; do
  if [ -z "${!name:-}" ]; then
    echo "error: missing $name; set it in the environment" >&2
    exit 2
  fi
done
ami=$(aws ssm get-parameter --query Parameter.Value --output text \
  --name /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id)

aws ec2 run-instances \
  --image-id "$ami" \
  --instance-type "${INSTANCE_TYPE:-t3.medium}" \
  --key-name "$KEY_NAME" \
  --subnet-id "$SUBNET_ID" \
  --security-group-ids "$SECURITY_GROUP_ID" \
  --iam-instance-profile "Name=${PROFILE:-cdn-analytics-node}" \
  --metadata-options "HttpTokens=required,HttpPutResponseHopLimit=2,HttpEndpoint=enabled" \
  --block-device-mappings "DeviceName=/dev/sda1,Ebs={VolumeSize=${VOLUME_GIB:-30},VolumeType=gp3,Encrypted=true}" \
  --user-data "file://$here/cloud-init.yaml" \
  --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=cdn-analytics}]" \
  --query 'Instances[0].InstanceId' --output text
