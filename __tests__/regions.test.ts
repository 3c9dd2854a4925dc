import { readFileSync } from 'node:fs'
import { iamRegionFor, partitionOf, PARTITIONS } from '../src/regions.js'

// The SDK's partition table, read as text: it is not exported, and importing it here would load it
// into the action's start-up path.
const SDK_TABLE =
  'node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js'

describe('regions', () => {
  it('lists the regions of the SDK this action is bundled with', () => {
    const text = readFileSync(SDK_TABLE, 'utf8')
    const sdk: { partitions: Array<{ id: string; regions: Record<string, unknown> }> } = JSON.parse(
      text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)
    )
    const fromSdk = Object.fromEntries(
      sdk.partitions.map(p => [p.id, Object.keys(p.regions).filter(r => !r.startsWith('aws-'))])
    )
    const ours = Object.fromEntries(
      Object.entries(PARTITIONS).map(([id, p]) => [id, [...p.regions]])
    )
    expect(ours).toEqual(fromSdk)
  })

  it('signs IAM for the home region of the partition', () => {
    expect(iamRegionFor('eu-west-1')).toBe('us-east-1')
    expect(iamRegionFor('us-gov-east-1')).toBe('us-gov-west-1')
    expect(iamRegionFor('cn-northwest-1')).toBe('cn-north-1')
    expect(partitionOf('us-esat-1')).toBeUndefined()
  })
})
