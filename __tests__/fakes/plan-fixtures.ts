/** What the planner's unit tests share: settings, a user's snapshot, admin-mode overrides. */
import type { PlanSettings } from '../../src/plan.js'
import type { KeyState, Snapshot } from '../../src/snapshot.js'

export const DAY = 86_400_000

/** The defaults, with deactivate-after 0 and no gate. */
export const planSettings: PlanSettings = {
  maxAgeMs: 90 * DAY,
  force: false,
  deactivateAfterMs: 0,
  deleteAfterMs: 7 * DAY,
  expectedAccountId: undefined,
  verifyTimeoutMs: 120_000,
  reactivatePrevious: false,
  smokeWorkflow: undefined,
  requestTimeoutMs: 30_000,
  run: { repository: 'acme/app', runId: '500', attempt: '1' }
}

export const gatedSettings: PlanSettings = {
  ...planSettings,
  smokeWorkflow: { repository: 'acme/app', file: 'smoke.yml', ref: undefined }
}

/** The user `deploy` in self-rotation, signing with its first active key. */
export function userSnapshot(keys: KeyState[], overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    caller: {
      arn: 'arn:aws:iam::123456789012:user/deploy',
      accountId: '123456789012',
      kind: 'user',
      userName: 'deploy'
    },
    userName: 'deploy',
    userArn: 'arn:aws:iam::123456789012:user/deploy',
    mode: 'self',
    signingKeyId: keys.find(k => k.status === 'Active')?.id,
    keys,
    intents: [],
    staleMarks: [],
    runs: {},
    ...overrides
  }
}

/** An admin run: an assumed role, no key of the user to sign with. */
export const adminCaller: Partial<Snapshot> = {
  caller: {
    arn: 'arn:aws:sts::123456789012:assumed-role/rotator/gha',
    accountId: '123456789012',
    kind: 'assumed-role',
    userName: undefined
  },
  mode: 'admin',
  signingKeyId: undefined
}
