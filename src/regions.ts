/**
 * AWS regions by partition, as the SDK (3.1169) lists them; a test compares this with the SDK's
 * own table, so an SDK update that adds regions says to update it. `iam` is the region IAM
 * requests are signed for in that partition (IAM is global).
 */
export const PARTITIONS: Readonly<Record<string, { iam: string; regions: readonly string[] }>> = {
  aws: {
    iam: 'us-east-1',
    regions: [
      'af-south-1',
      'ap-east-1',
      'ap-east-2',
      'ap-northeast-1',
      'ap-northeast-2',
      'ap-northeast-3',
      'ap-south-1',
      'ap-south-2',
      'ap-southeast-1',
      'ap-southeast-2',
      'ap-southeast-3',
      'ap-southeast-4',
      'ap-southeast-5',
      'ap-southeast-6',
      'ap-southeast-7',
      'ca-central-1',
      'ca-west-1',
      'eu-central-1',
      'eu-central-2',
      'eu-north-1',
      'eu-south-1',
      'eu-south-2',
      'eu-west-1',
      'eu-west-2',
      'eu-west-3',
      'il-central-1',
      'me-central-1',
      'me-south-1',
      'me-west-1',
      'mx-central-1',
      'sa-east-1',
      'sa-west-1',
      'us-east-1',
      'us-east-2',
      'us-west-1',
      'us-west-2'
    ]
  },
  'aws-cn': { iam: 'cn-north-1', regions: ['cn-north-1', 'cn-northwest-1'] },
  'aws-eusc': { iam: 'eusc-de-east-1', regions: ['eusc-de-east-1'] },
  'aws-iso': { iam: 'us-iso-east-1', regions: ['us-iso-east-1', 'us-iso-west-1'] },
  'aws-iso-b': { iam: 'us-isob-east-1', regions: ['us-isob-east-1', 'us-isob-west-1'] },
  'aws-iso-e': { iam: 'eu-isoe-west-1', regions: ['eu-isoe-west-1'] },
  'aws-iso-f': { iam: 'us-isof-south-1', regions: ['us-isof-east-1', 'us-isof-south-1'] },
  'aws-us-gov': { iam: 'us-gov-west-1', regions: ['us-gov-east-1', 'us-gov-west-1'] }
}

export function partitionOf(region: string): string | undefined {
  return Object.keys(PARTITIONS).find(id => PARTITIONS[id]?.regions.includes(region))
}

/** IAM is global: its requests are signed for the home region of the partition. */
export function iamRegionFor(region: string): string {
  const id = partitionOf(region)
  return (id && PARTITIONS[id]?.iam) ?? 'us-east-1'
}
