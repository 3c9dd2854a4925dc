/**
 * A fleet of deploy users under /deploy/ in every state the audit tells apart, seeded straight
 * into the emulators (keys, the action's marks as its runs write them, runs, a quarantine, an
 * alert, a disabled workflow), with what the audit should say of each. Used by e2e-audit and
 * the bench.
 */
import { writeMark, type Mark } from '../../src/marks.js'
import { QUARANTINE_POLICIES } from './quarantine.js'
import { DAY, type World } from './world.js'

export const FLEET_PATH = '/deploy/'
const ROTATION_WORKFLOW = 'rotate-aws-access-keys.yml'

export interface Expected {
  readonly findings: readonly string[]
  readonly rotation: 'idle' | 'in flight' | 'stuck'
}

/** Seeds the fleet in `world` (repositories acme/app and acme/old); returns what each is. */
export function seedFleet(world: World, size: number): Map<string, Expected> {
  const seed = new Seeder(world)
  const expected = new Map<string, Expected>()
  const add = (name: string, findings: string[], rotation: Expected['rotation'] = 'idle') =>
    expected.set(name, { findings, rotation })

  // The finished runs the marks name: the action's workflow, active.
  for (const runId of ['3999', '4000'])
    world.github.setRun('acme/app', runId, '1', 'completed', 'success')
  seed.user('a-empty')
  add('a-empty', [])
  seed.user('b-unmanaged')
  seed.key('b-unmanaged', { ageDays: 10, usedDaysAgo: 1 })
  add('b-unmanaged', ['unmanaged'])
  seed.managedUser('c-clean', 10)
  add('c-clean', [])
  seed.managedUser('d-overdue', 120)
  add('d-overdue', ['overdue'])
  seed.managedUser('e-person', 10)
  seed.key('e-person', { ageDays: 5, usedDaysAgo: 1 })
  add('e-person', ['refused', 'two-active', 'person-key'])
  seed.midRotation('f-inflight', '5001', 'in_progress', 3_600_000)
  add('f-inflight', [], 'in flight')
  seed.midRotation('g-stuck', '5002', 'completed', -2 * 3_600_000)
  add('g-stuck', ['stuck', 'refused', 'overdue'], 'stuck')
  seed.managedUser('h-quarantined', 10)
  world.aws.attachManagedPolicy('h-quarantined', QUARANTINE_POLICIES.v3)
  add('h-quarantined', ['quarantined'])
  const leaked = seed.managedUser('i-leaked', 10)
  world.github.addSecretScanningAlert('acme/app', {
    secretType: 'aws_access_key_id',
    secret: leaked
  })
  add('i-leaked', ['leaked'])
  seed.managedUser('j-unused', 60, { usedDaysAgo: 50 })
  add('j-unused', ['unused'])
  seed.managedUser('k-unscheduled', 10, { repository: 'acme/old', runId: '7001' })
  world.github.setRun('acme/old', '7001', '1', 'completed', 'success')
  world.github.setWorkflowState('acme/old', ROTATION_WORKFLOW, 'disabled_inactivity')
  add('k-unscheduled', ['unscheduled'])
  seed.managedUser('l-retired', 10)
  seed.retiredKey('l-retired', 12, 3)
  add('l-retired', [])
  // The world's own user: a key no run of the action made.
  add('deploy', ['unmanaged'])
  for (let i = expected.size; i < size; i += 1) {
    const name = `z-clean-${String(i).padStart(4, '0')}`
    seed.managedUser(name, 10 + (i % 50))
    add(name, [])
  }
  // Outside the path: never listed.
  world.aws.createUser('outsider', { path: '/other/' })
  world.aws.createAccessKey('outsider', { createdAt: new Date(Date.now() - 400 * DAY) })
  return expected
}

class Seeder {
  private readonly now = Date.now()
  constructor(private readonly world: World) {}

  user(name: string): void {
    this.world.aws.createUser(name, { path: FLEET_PATH })
  }

  /** A key; returns its id. */
  key(
    name: string,
    options: { ageDays: number; usedDaysAgo?: number; status?: 'Active' | 'Inactive' }
  ): string {
    const used = options.usedDaysAgo
    return this.world.aws.createAccessKey(name, {
      createdAt: new Date(this.now - options.ageDays * DAY),
      ...(options.status ? { status: options.status } : {}),
      ...(used === undefined
        ? {}
        : {
            lastUsed: {
              date: new Date(this.now - used * DAY),
              service: 's3',
              region: 'us-east-1'
            }
          })
    }).accessKeyId
  }

  mark(name: string, keyId: string, mark: Mark): void {
    this.world.aws.setTag(name, keyId, writeMark(mark))
  }

  /** A user whose one key a finished run of acme/app made `ageDays` ago; returns the key id. */
  managedUser(
    name: string,
    ageDays: number,
    options: { usedDaysAgo?: number; repository?: string; runId?: string } = {}
  ): string {
    this.user(name)
    const keyId = this.key(name, { ageDays, usedDaysAgo: options.usedDaysAgo ?? 1 })
    this.mark(name, keyId, {
      state: 'active',
      at: this.now - ageDays * DAY,
      runId: options.runId ?? '4000',
      runAttempt: '1',
      repository: options.repository ?? 'acme/app'
    })
    return keyId
  }

  /** An old key and a new pending one, held by run `runId` until `untilMs` from now. */
  midRotation(name: string, runId: string, status: 'in_progress' | 'completed', untilMs: number) {
    const current = this.managedUser(name, 100)
    const pending = this.key(name, { ageDays: 0 })
    this.mark(name, pending, {
      state: 'pending',
      at: this.now - 60_000,
      runId,
      runAttempt: '1',
      repository: 'acme/app',
      previousKeyId: current,
      until: this.now + untilMs
    })
    this.world.github.setRun('acme/app', runId, '1', status, 'cancelled')
  }

  /** An inactive key the action retired `retiredDaysAgo` days ago. */
  retiredKey(name: string, ageDays: number, retiredDaysAgo: number): void {
    const keyId = this.key(name, { ageDays, status: 'Inactive' })
    this.mark(name, keyId, {
      state: 'retired',
      at: this.now - retiredDaysAgo * DAY,
      runId: '3999',
      runAttempt: '1',
      repository: 'acme/app'
    })
  }
}
