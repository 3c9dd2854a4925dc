import * as core from '@actions/core'
import { apply, type ApplyResult, type Logger } from './apply.js'
import type { Aws, Credentials } from './aws.js'
import { watchCancellation, type Cancellation } from './cancel.js'
import { describeError, InputError, Refusal } from './errors.js'
import type { PreparedTarget, GitHub } from './github.js'
import { observe, observeTargetWrites } from './observe.js'
import { plan, type Plan } from './plan.js'
import { ISSUE_LABEL, jobIdentity, tellPerson, type Told } from './notify.js'
import {
  buildReport,
  failureReport,
  reportedResult,
  type FailureStage,
  type Report
} from './report.js'
import { systemClock } from './clock.js'
import { readSettings, type InputName, type Settings } from './settings.js'
import type { Snapshot } from './snapshot.js'
import { describeTarget } from './targets.js'
import type { SmokeGate } from './smoke/workflow.js'
import { keyLabel, someOf } from './format.js'
import { alertPlaces, scanForLeaks } from './leaks/scan.js'
import { apiText, maskable } from './untrusted.js'

const log: Logger = {
  info: message => core.info(message),
  warning: message => core.warning(message),
  startGroup: name => core.startGroup(name),
  endGroup: () => core.endGroup(),
  // Values from IAM's and GitHub's answers come through here: none too short to be a secret.
  mask: value => {
    for (const part of maskable(value)) core.setSecret(part)
  }
}

/** How far the run got: a run that fails before its report writes a summary that says so. */
interface Progress {
  stage: FailureStage
  reported: boolean
  /** Once the inputs are read, a failure can still reach a person (issue-on-failure). */
  settings?: Settings
  /** The run's one GitHub client, loaded on first use: a failure's issue goes through it too. */
  github?: () => Promise<GitHub>
  /** Once the user is observed, the issue names it. */
  observed?: Pick<Observed, 'snapshot' | 'github'>
}

/** What observing found, and the clients that found it. */
interface Observed {
  readonly aws: Aws
  readonly github: GitHub
  readonly snapshot: Snapshot
  readonly signing: Credentials
}

/** Writes the outputs and the step summary, once the run knows how it ends. */
type Finish = (result: ApplyResult | undefined) => Promise<void>

/** The smoke gate, once bound to the cancellation that apply watches. */
type OpenGate = (cancellation: Cancellation) => SmokeGate

/** settings -> observe -> plan -> preflight -> apply -> report. */
export async function run(): Promise<void> {
  // A run that fails before its report still writes a summary, which says how far it got.
  const progress: Progress = { stage: 'inputs', reported: false }
  try {
    await runStages(progress)
  } catch (error) {
    const message = error instanceof InputError ? error.message : describeError(error)
    core.setFailed(message)
    if (!progress.reported) await summarizeFailure(progress, error, message)
  }
}

/** The stages in order; `progress` follows them so a failure can say where it happened. */
async function runStages(progress: Progress): Promise<void> {
  const settings = readSettings((name: InputName) => core.getInput(name), process.env)
  core.setSecret(settings.githubToken)
  if (settings.audit) {
    progress.stage = 'observe'
    // Loaded only for an audit: a rotation never needs it.
    const { auditFleet } = await import('./audit/main.js')
    await auditFleet(settings, settings.audit, lazyGitHub(settings))
    progress.reported = true
    return
  }
  progress.settings = settings
  progress.github = lazyGitHub(settings)
  progress.stage = 'observe'

  const observed = await observeWithGitHub(settings, progress.github)
  logSnapshot(observed.snapshot)
  const [leaksChecked, targetWrites] = await Promise.all([
    checkLeaks(settings, observed),
    readTargetWrites(settings, observed.github)
  ])
  const snapshot = { ...leaksChecked, ...targetWrites }
  progress.observed = { ...observed, snapshot }

  const now = systemClock.now()
  const decided = plan(snapshot, settings, now)
  const finish = reporter(progress, settings, { ...observed, snapshot }, decided)

  for (const note of decided.notes) core.info(note)
  for (const warning of decided.warnings ?? []) core.warning(warning)
  if (await stopBeforePreflight(settings, decided, finish)) return

  // Preflight: every target reachable and its public key readable, and the smoke workflow
  // ready, before anything changes.
  progress.stage = 'preflight'
  const { prepared, openGate } = await preflight(settings, observed.github)
  progress.stage = 'apply'

  if (settings.dryRun) {
    await finishDryRun(settings, decided, observed.signing, finish)
    return
  }
  const result = await applyPlan(settings, observed, decided, prepared, openGate)
  await finish(result)
  conclude(settings, result)
}

/**
 * Observes the IAM user and returns it with both clients: the GitHub client loads while the
 * first AWS requests are in flight, not before them.
 */
async function observeWithGitHub(
  settings: Settings,
  githubClient: () => Promise<GitHub>
): Promise<Observed> {
  // The SDKs load only once the inputs are known to be good: bad input fails fast.
  const { createAws } = await import('./aws.js')
  const aws = createAws(settings.awsRegion, settings.requestTimeoutMs)
  const observing = observe(
    aws,
    settings,
    async (repository, runId, attempt) =>
      (await githubClient()).runState(repository, runId, attempt),
    signing => {
      log.mask(signing.accessKeyId)
      log.mask(signing.secretAccessKey)
      if (signing.sessionToken) log.mask(signing.sessionToken)
    }
  )
  setImmediate(() => void githubClient().catch(() => undefined))
  const { snapshot, signing } = await observing
  const github = await githubClient()
  return { aws, github, snapshot, signing }
}

/** The GitHub client, loaded on first use and then shared. */
function lazyGitHub(settings: Settings): () => Promise<GitHub> {
  // The GitHub client (Octokit and its plugins, Bottleneck, libsodium) is compiled while the
  // first AWS requests are in flight, not before them.
  let loadGitHub: Promise<GitHub> | undefined
  // @actions/github picks its proxy (HTTPS_PROXY, NO_PROXY) for GITHUB_API_URL when it loads:
  // point that at the URL the requests go to, so NO_PROXY is honoured for github-api-url.
  if (settings.githubApiUrl) process.env.GITHUB_API_URL = settings.githubApiUrl
  return () =>
    (loadGitHub ??= import('./github.js').then(module =>
      module.createGitHub({
        token: settings.githubToken,
        requestTimeoutMs: settings.requestTimeoutMs,
        orgSecretVisibility: settings.orgSecretVisibility,
        apiUrl: settings.githubApiUrl,
        rateLimitBudgetMs: settings.rateLimitBudgetMs,
        log: log.info,
        mask: log.mask
      })
    ))
}

/**
 * The leak check: open secret scanning alerts that name the user's keys join the snapshot.
 * Where it cannot look, one notice says what enables it; the run goes on either way.
 */
async function checkLeaks(settings: Settings, observed: Observed): Promise<Snapshot> {
  const { snapshot, signing, github } = observed
  if (settings.leakResponse === 'off') return snapshot
  const keyIds = snapshot.keys.map(key => key.id)
  // A secret access key alert names a key only by its secret: this run knows the one it signs with.
  const known = keyIds.includes(signing.accessKeyId)
    ? new Map([[signing.secretAccessKey, signing.accessKeyId]])
    : new Map<string, string>()
  const own = settings.run.repository.includes('/') ? settings.run.repository : undefined
  const scan = await scanForLeaks(github.alerts, alertPlaces(settings.targets, own), keyIds, known)
  for (const notice of scan.notices) core.notice(notice)
  if (scan.unmatched.length > 0) {
    core.info(
      `Leak check: ${scan.unmatched.length} open AWS secret scanning alert(s) name no key of ${snapshot.userName}: ${scan.unmatched.map(alert => apiText(alert.htmlUrl)).join(', ')}`
    )
  }
  for (const leak of scan.leaks) {
    core.info(
      `Leak check: ${keyLabel(leak.keyId)} is named in ${leak.alerts.length} open alert(s).`
    )
  }
  return { ...snapshot, leaks: scan.leaks }
}

/**
 * When each target's access key id secret was last written, on every run: the planner tells a
 * person when someone else wrote one. A target that cannot be read is one notice, never a failure.
 */
async function readTargetWrites(
  settings: Settings,
  github: GitHub
): Promise<Pick<Snapshot, 'targetWrites'>> {
  const name = settings.accessKeyIdSecretName
  const { writes, unread } = await observeTargetWrites(
    (target, secretName) => github.secretUpdatedAt(target, secretName),
    settings.targets,
    name
  )
  if (unread.length > 0) {
    core.notice(
      `Could not read when ${name} was last written in ${someOf(unread, 5)}, so this run cannot tell whether someone else wrote it there. The rotation goes on; the read needs the same secrets permission as the writes.`
    )
  }
  return { targetWrites: writes }
}

/** Masks every key id, then says whose keys these are. */
function logSnapshot(snapshot: Snapshot): void {
  // Every key id of the user, not only the ones this run signs with or creates: an AWS error
  // message may name any of them, and text for people uses keyLabel.
  for (const key of snapshot.keys) log.mask(key.id)
  core.info(
    `IAM user ${snapshot.userName}, ${snapshot.mode === 'self' ? 'self-rotation' : `admin mode as ${apiText(snapshot.caller.arn)}`}; ` +
      `keys: ${snapshot.keys.map(key => `${keyLabel(key.id)} ${key.status}`).join(', ') || 'none'}.`
  )
  const { quarantine } = snapshot
  if (quarantine?.kind === 'unknown') {
    core.notice(
      `Could not check whether AWS has quarantined ${snapshot.userName} (${quarantine.reason}). Grant iam:ListAttachedUserPolicies on the user (policies/self-rotation.json and policies/admin-rotation.json have it); the run goes on.`
    )
  }
}

/** The report is written once, whichever way the run ends; after it no failure summary is due. */
function reporter(
  progress: Progress,
  settings: Settings,
  observed: Pick<Observed, 'snapshot' | 'github'>,
  decided: Plan
): Finish {
  const { snapshot } = observed
  const targetNames = settings.targets.map(describeTarget)
  return async result => {
    progress.reported = true
    const report = buildReport({
      snapshot,
      plan: decided,
      // The report needs the key's id, never its secret.
      result: result && reportedResult(result),
      dryRun: settings.dryRun,
      now: systemClock.now(),
      targets: targetNames,
      settings
    })
    for (const [name, value] of Object.entries(report.outputs)) core.setOutput(name, value)
    // core.summary throws without the file; the runner always sets it, a bare process may not.
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(report.summary).write()
    // A wait says nothing about the rotation's health, unless it has lasted a day (stuck).
    const settled = !result?.yielded && (!decided.waiting || report.needsPerson !== undefined)
    const told = settled
      ? await tellSomeone(settings, observed, report, async () => observed.github)
      : NOT_TOLD
    core.setOutput('issue-url', told.url)
    core.setOutput('issue', told.action)
  }
}

const NOT_TOLD: Told = { action: 'none', url: '' }

/**
 * The issue for a person (issue-on-failure): a side effect that never changes the run's
 * outcome. Where it cannot be written, a run that needs a person says so once.
 */
async function tellSomeone(
  settings: Settings,
  observed: Pick<Observed, 'snapshot' | 'github'> | undefined,
  report: Pick<Report, 'summary' | 'outcome' | 'needsPerson'>,
  loadGitHub: () => Promise<GitHub>
): Promise<Told> {
  const repository = settings.issueRepository
  if (!settings.issueOnFailure || settings.dryRun || !repository) return NOT_TOLD
  const env = process.env
  const { GITHUB_SERVER_URL: server = 'https://github.com', GITHUB_RUN_ID: runId } = env
  const job = jobIdentity({
    repository: settings.run.repository,
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    iamUserName: settings.iamUserName,
    targets: settings.targets.map(describeTarget)
  })
  try {
    // Before AWS answered, the run's GitHub client may not be loaded yet.
    const github = observed?.github ?? (await loadGitHub())
    const snapshot = observed?.snapshot
    const told = await tellPerson(github.issues, {
      repository,
      account: snapshot?.caller.accountId,
      userName: snapshot?.userName ?? settings.iamUserName ?? '(not known yet)',
      job,
      outcome: report.outcome,
      needsPerson: report.needsPerson,
      summary: report.summary,
      runUrl: runId ? `${server}/${settings.run.repository}/actions/runs/${runId}` : server,
      now: systemClock.now()
    })
    if (told.unlabelled) {
      core.notice(
        `Opened ${apiText(told.url)} without its label ${ISSUE_LABEL}: GitHub drops labels unless the token has push access (Contents: read and write) to ${repository}. Later runs still find it among the newest open issues, but the fleet's label does not show it.`
      )
    }
    return told
  } catch (error) {
    const text = `Could not ${report.needsPerson ? 'open or update' : 'close'} the issue about this rotation in ${repository} (${describeError(error)}). Give the token "Issues: read and write" there, or set issue-on-failure: false.`
    if (report.needsPerson) core.notice(text)
    else core.info(text)
    return NOT_TOLD
  }
}

/** A plan that waits for another run or refuses ends here, with its report; true when it did. */
async function stopBeforePreflight(
  settings: Settings,
  decided: Plan,
  finish: Finish
): Promise<boolean> {
  if (decided.waiting) {
    core.warning(decided.waiting)
    nothingExported(settings, 'another run is rotating this key')
    await finish(undefined)
    return true
  }
  if (decided.refusal) {
    nothingExported(settings, 'the run refused')
    await finish(undefined)
    core.setFailed(decided.refusal)
    return true
  }
  return false
}

/** Every target's public key and the smoke workflow, checked before anything changes. */
async function preflight(
  settings: Settings,
  github: GitHub
): Promise<{ prepared: PreparedTarget[]; openGate: OpenGate | undefined }> {
  let prepared: PreparedTarget[]
  let openGate: OpenGate | undefined
  try {
    ;[prepared, openGate] = await Promise.all([
      prepareAll(settings, github),
      prepareSmokeGate(settings, github)
    ])
  } catch (error) {
    throw new Error(
      `Preflight failed, so nothing was changed in AWS or GitHub: ${describeError(error)} The next run checks again.`,
      { cause: error }
    )
  }
  core.info(`Preflight: ${prepared.length} target(s) reachable, public keys read.`)
  return { prepared, openGate }
}

/**
 * Every target's public key; on failures, the first target in the input's order is named. All
 * are asked for at once: the client's limit (MAX_IN_FLIGHT) decides how many are in flight.
 */
async function prepareAll(settings: Settings, github: GitHub): Promise<PreparedTarget[]> {
  const results = await Promise.allSettled(settings.targets.map(target => github.prepare(target)))
  const failed = results.find(result => result.status === 'rejected')
  if (failed) throw failed.reason
  return results.flatMap(result => (result.status === 'fulfilled' ? [result.value] : []))
}

/**
 * The smoke gate's preflight, on every run like the targets', so a deleted workflow or a lost
 * permission shows before the day the key is due; returns the gate, to be bound to apply's
 * cancellation. reactivate-previous changes no target: no gate.
 */
async function prepareSmokeGate(settings: Settings, github: GitHub): Promise<OpenGate | undefined> {
  const workflow = settings.smokeWorkflow
  if (!workflow || settings.reactivatePrevious) return undefined
  // Loaded only for a gate: YAML parsing has no place in the common path.
  const { checkSmokeWorkflow, runSmokeGate } = await import('./smoke/workflow.js')
  const checked = await checkSmokeWorkflow(github.workflows, workflow, !settings.dryRun)
  for (const warning of checked.warnings) core.warning(warning)
  core.info(
    settings.dryRun
      ? `Preflight: smoke workflow ${checked.name} found (a dry run does not check Actions write).`
      : `Preflight: smoke workflow ${checked.name} can be dispatched.`
  )
  return cancellation => rotation =>
    runSmokeGate(
      {
        api: github.workflows,
        workflow: checked,
        timeoutMs: settings.smokeTimeoutMs,
        clock: systemClock,
        log: message => core.info(message),
        cancelled: () => cancellation.requested()
      },
      rotation
    )
}

/** A dry run applies nothing, and exports the key only when the targets already hold it. */
async function finishDryRun(
  settings: Settings,
  decided: Plan,
  signing: Credentials,
  finish: Finish
): Promise<void> {
  core.info(`Dry run: ${decided.steps.length} step(s) planned, none applied.`)
  // A dry run changes nothing: the key this run signs with is still the one the targets hold.
  if (settings.exportCredentials && signing.accessKeyId === decided.currentKeyId) {
    exportKey(signing)
  } else {
    nothingExported(settings, 'this is a dry run that does not sign with the key the targets hold')
  }
  await finish(undefined)
}

/** Runs the steps; a cancellation is watched only while they change things. */
async function applyPlan(
  settings: Settings,
  observed: Observed,
  decided: Plan,
  prepared: PreparedTarget[],
  openGate: OpenGate | undefined
): Promise<ApplyResult> {
  const { aws, github, snapshot, signing } = observed
  const cancellation = watchCancellation(message => core.warning(message))
  const smokeGate = openGate?.(cancellation)
  const result = await apply(decided.steps, {
    aws,
    github,
    prepared,
    settings,
    snapshot,
    signing,
    currentKeyId: decided.currentKeyId,
    clock: systemClock,
    log,
    cancellation,
    ...(smokeGate ? { smokeGate } : {})
  })
  cancellation.dispose()
  const stats = github.stats()
  core.info(
    `GitHub: ${stats.requests} request(s)${stats.rateLimited > 0 ? `, ${stats.rateLimited} rate-limited answer(s) waited out, paused ${(stats.pausedMs / 1000).toFixed(1)} s` : ''}.`
  )
  return result
}

/** After the report: export the key the targets hold, and fail the step when the run did. */
function conclude(settings: Settings, result: ApplyResult): void {
  if (settings.exportCredentials && !result.failure) {
    if (result.current) {
      exportKey(result.current)
    } else {
      core.warning(
        'export-credentials: this run does not know the secret of the key the targets hold, so nothing was exported.'
      )
    }
  }
  if (result.yielded) core.warning(result.yielded)
  if (result.failure) core.setFailed(result.failure.message)
  else if (result.permissionProblems.length > 0)
    core.setFailed(`The rotation itself is complete, but: ${result.permissionProblems.join(' ')}`)
}

/** export-credentials: the key the targets hold, for the job's later steps. */
function exportKey(key: { accessKeyId: string; secretAccessKey: string }): void {
  core.exportVariable('AWS_ACCESS_KEY_ID', key.accessKeyId)
  core.exportVariable('AWS_SECRET_ACCESS_KEY', key.secretAccessKey)
  // A role's session token (admin mode) would otherwise travel with the user's key and
  // break every later call; the SDKs and the CLI ignore an empty one.
  if (process.env.AWS_SESSION_TOKEN) core.exportVariable('AWS_SESSION_TOKEN', '')
}

/** export-credentials was asked for and cannot be honoured: say why. */
function nothingExported(settings: Settings, why: string): void {
  if (settings.exportCredentials) {
    core.warning(`export-credentials: nothing was exported, because ${why}.`)
  }
}

/** The summary of a run that failed before its report: what failed and what to do. */
async function summarizeFailure(progress: Progress, error: unknown, message: string) {
  // Whatever the message quotes, no credential reaches the summary or the issue.
  const secrets = [
    core.getInput('github-token'),
    process.env.AWS_SECRET_ACCESS_KEY ?? '',
    process.env.AWS_SESSION_TOKEN ?? ''
  ]
  const refused = error instanceof Refusal
  const report = failureReport({ stage: progress.stage, refused, message, secrets })
  if (process.env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(report.summary).write()
    } catch (problem) {
      core.warning(`Could not write the step summary: ${describeError(problem)}`)
    }
  }
  if (!progress.settings || !progress.github) return
  const told = await tellSomeone(progress.settings, progress.observed, report, progress.github)
  core.setOutput('issue-url', told.url)
  core.setOutput('issue', told.action)
}
