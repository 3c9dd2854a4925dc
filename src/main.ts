import * as core from '@actions/core'
import { apply, type ApplyResult, type Logger } from './apply.js'
import { watchCancellation } from './cancel.js'
import { describeError, InputError, Refusal } from './errors.js'
import type { PreparedTarget, Secrets } from './github.js'
import { observe } from './observe.js'
import { plan } from './plan.js'
import { buildReport, failureSummary, type FailureStage } from './report.js'
import { systemClock } from './retry.js'
import { readSettings, type InputName } from './settings.js'
import { describeTarget } from './targets.js'
import type { SmokeGate } from './smoke.js'
import { keyLabel } from './format.js'

const log: Logger = {
  info: message => core.info(message),
  warning: message => core.warning(message),
  startGroup: name => core.startGroup(name),
  endGroup: () => core.endGroup(),
  mask: value => core.setSecret(value)
}

/** settings -> observe -> plan -> preflight -> apply -> report. */
export async function run(): Promise<void> {
  // A run that fails before its report still writes a summary, which says how far it got.
  let stage: FailureStage = 'inputs'
  let reported = false
  try {
    const settings = readSettings((name: InputName) => core.getInput(name), process.env)
    core.setSecret(settings.githubToken)
    stage = 'observe'

    // The SDKs load only once the inputs are known to be good: bad input fails fast.
    const { createAws } = await import('./aws.js')
    const aws = createAws(settings.awsRegion, settings.requestTimeoutMs)
    // The GitHub client (Octokit and its plugins, Bottleneck, libsodium) is compiled while the
    // first AWS requests are in flight, not before them.
    let loadSecrets: Promise<Secrets> | undefined
    // @actions/github picks its proxy (HTTPS_PROXY, NO_PROXY) for GITHUB_API_URL when it loads:
    // point that at the URL the requests go to, so NO_PROXY is honoured for github-api-url.
    if (settings.githubApiUrl) process.env.GITHUB_API_URL = settings.githubApiUrl
    const secretsClient = (): Promise<Secrets> =>
      (loadSecrets ??= import('./github.js').then(github =>
        github.createSecrets({
          token: settings.githubToken,
          requestTimeoutMs: settings.requestTimeoutMs,
          orgSecretVisibility: settings.orgSecretVisibility,
          apiUrl: settings.githubApiUrl,
          rateLimitBudgetMs: settings.rateLimitBudgetMs,
          log: log.info
        })
      ))
    const observing = observe(
      aws,
      settings,
      async (repository, runId, attempt) =>
        (await secretsClient()).runState(repository, runId, attempt),
      signing => {
        log.mask(signing.accessKeyId)
        log.mask(signing.secretAccessKey)
        if (signing.sessionToken) log.mask(signing.sessionToken)
      }
    )
    setImmediate(() => void secretsClient().catch(() => undefined))
    const { snapshot, signing } = await observing
    const secrets = await secretsClient()
    // Every key id of the user, not only the ones this run signs with or creates: an AWS error
    // message may name any of them, and text for people uses keyLabel.
    for (const key of snapshot.keys) log.mask(key.id)
    core.info(
      `IAM user ${snapshot.userName}, ${snapshot.mode === 'self' ? 'self-rotation' : `admin mode as ${snapshot.caller.arn}`}; ` +
        `keys: ${snapshot.keys.map(key => `${keyLabel(key.id)} ${key.status}`).join(', ') || 'none'}.`
    )

    const now = systemClock.now()
    const decided = plan(snapshot, settings, now)
    const targetNames = settings.targets.map(describeTarget)
    const finish = async (result: ApplyResult | undefined): Promise<void> => {
      reported = true
      const report = buildReport({
        snapshot,
        plan: decided,
        result,
        dryRun: settings.dryRun,
        now: systemClock.now(),
        targets: targetNames,
        settings
      })
      for (const [name, value] of Object.entries(report.outputs)) core.setOutput(name, value)
      // core.summary throws without the file; the runner always sets it, a bare process may not.
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(report.summary).write()
    }

    for (const note of decided.notes) core.info(note)
    for (const warning of decided.warnings ?? []) core.warning(warning)
    const exportKey = (key: { accessKeyId: string; secretAccessKey: string }): void => {
      core.exportVariable('AWS_ACCESS_KEY_ID', key.accessKeyId)
      core.exportVariable('AWS_SECRET_ACCESS_KEY', key.secretAccessKey)
      // A role's session token (admin mode) would otherwise travel with the user's key and
      // break every later call; the SDKs and the CLI ignore an empty one.
      if (process.env.AWS_SESSION_TOKEN) core.exportVariable('AWS_SESSION_TOKEN', '')
    }
    const nothingExported = (why: string): void => {
      if (settings.exportCredentials) {
        core.warning(`export-credentials: nothing was exported, because ${why}.`)
      }
    }
    if (decided.waiting) {
      core.warning(decided.waiting)
      nothingExported('another run is rotating this key')
      await finish(undefined)
      return
    }
    if (decided.refusal) {
      nothingExported('the run refused')
      await finish(undefined)
      core.setFailed(decided.refusal)
      return
    }

    /**
     * The smoke gate's preflight, on every run like the targets', so a deleted workflow or a lost
     * permission shows before the day the key is due; returns the gate. reactivate-previous
     * changes no target: no gate.
     */
    const prepareSmokeGate = async (): Promise<SmokeGate | undefined> => {
      const workflow = settings.smokeWorkflow
      if (!workflow || settings.reactivatePrevious) return undefined
      // Loaded only for a gate: YAML parsing has no place in the common path.
      const { checkSmokeWorkflow, runSmokeGate } = await import('./smoke.js')
      const checked = await checkSmokeWorkflow(secrets.workflows, workflow, !settings.dryRun)
      for (const warning of checked.warnings) core.warning(warning)
      core.info(
        settings.dryRun
          ? `Preflight: smoke workflow ${checked.name} found (a dry run does not check Actions write).`
          : `Preflight: smoke workflow ${checked.name} can be dispatched.`
      )
      return rotation =>
        runSmokeGate(
          {
            api: secrets.workflows,
            workflow: checked,
            timeoutMs: settings.smokeTimeoutMs,
            clock: systemClock,
            log: message => core.info(message),
            cancelled: () => cancellation.requested()
          },
          rotation
        )
    }

    // Preflight: every target reachable and its public key readable, and the smoke workflow
    // ready, before anything changes.
    let prepared: PreparedTarget[]
    let smokeGate: SmokeGate | undefined
    stage = 'preflight'
    try {
      ;[prepared, smokeGate] = await Promise.all([
        Promise.all(settings.targets.map(target => secrets.prepare(target))),
        prepareSmokeGate()
      ])
    } catch (error) {
      throw new Error(
        `Preflight failed, so nothing was changed in AWS or GitHub: ${describeError(error)} The next run checks again.`,
        { cause: error }
      )
    }
    core.info(`Preflight: ${prepared.length} target(s) reachable, public keys read.`)
    stage = 'apply'

    if (settings.dryRun) {
      core.info(`Dry run: ${decided.steps.length} step(s) planned, none applied.`)
      // A dry run changes nothing: the key this run signs with is still the one the targets hold.
      if (settings.exportCredentials && signing.accessKeyId === decided.currentKeyId) {
        exportKey(signing)
      } else {
        nothingExported('this is a dry run that does not sign with the key the targets hold')
      }
      await finish(undefined)
      return
    }

    const cancellation = watchCancellation(message => core.warning(message))
    const result = await apply(decided.steps, {
      aws,
      secrets,
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
    const github = secrets.stats()
    core.info(
      `GitHub: ${github.requests} request(s)${github.rateLimited > 0 ? `, ${github.rateLimited} rate-limited answer(s) waited out, paused ${(github.pausedMs / 1000).toFixed(1)} s` : ''}.`
    )
    await finish(result)

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
  } catch (error) {
    const message = error instanceof InputError ? error.message : describeError(error)
    core.setFailed(message)
    if (!reported) await summarizeFailure(stage, error, message)
  }
}

/** The summary of a run that failed before its report: what failed and what to do. */
async function summarizeFailure(stage: FailureStage, error: unknown, message: string) {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  // Whatever the message quotes, no credential reaches the summary.
  const secrets = [
    core.getInput('github-token'),
    process.env.AWS_SECRET_ACCESS_KEY ?? '',
    process.env.AWS_SESSION_TOKEN ?? ''
  ]
  const refused = error instanceof Refusal
  try {
    await core.summary.addRaw(failureSummary({ stage, refused, message, secrets })).write()
  } catch (problem) {
    core.warning(`Could not write the step summary: ${describeError(problem)}`)
  }
}
