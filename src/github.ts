/**
 * The GitHub adapter: one paced client (github/client.ts) serves the secrets targets
 * (github/secrets.ts) and the smoke gate's Actions calls (github/workflows.ts).
 */
import type { Target } from './targets.js'
import { pacedClient, type GitHubStats, type GitHubOptions } from './github/client.js'
import {
  prepareTarget,
  readSecretUpdatedAt,
  writeSecrets,
  type PreparedTarget,
  type SecretValue
} from './github/secrets.js'
import { octokitAlerts, type AlertsApi } from './leaks/alerts-api.js'
import { octokitIssues, type IssuesApi } from './github/issues.js'
import {
  octokitWorkflows,
  readRunState,
  type RunState,
  type WorkflowsApi
} from './github/workflows.js'

export { PutPair, type GitHubStats, type GitHubOptions } from './github/client.js'
export type { PreparedTarget, SecretValue } from './github/secrets.js'
export type { AlertListing, AlertPlace, AlertsApi, ScanningAlert } from './leaks/alerts-api.js'
export type { RunState, WorkflowInfo, WorkflowRun, WorkflowsApi } from './github/workflows.js'

/**
 * GitHub as the action needs it, on one client (retries, pacing, rate limits): secrets, the
 * Actions API, secret scanning alerts and issues. The API base comes from GITHUB_API_URL.
 */
export interface GitHub {
  /** What the run cost on GitHub's side, for the log and the benchmark. */
  stats(): GitHubStats
  prepare(target: Target): Promise<PreparedTarget>
  write(prepared: PreparedTarget, secrets: readonly SecretValue[]): Promise<void>
  /** When a secret of the target was last written (GitHub's updated_at); undefined: none. */
  secretUpdatedAt(target: Target, secretName: string): Promise<number | undefined>
  /** Whether a workflow run attempt is still going, as far as the token may see. */
  runState(repository: string, runId: string, attempt: string): Promise<RunState>
  /** The rate-limit-budget is spent: no new target should be started. */
  outOfTime(): boolean
  /** The Actions API calls of the smoke gate, on the same client (retries, rate limits). */
  readonly workflows: WorkflowsApi
  /** Secret scanning alerts (the leak check), on the same client. */
  readonly alerts: AlertsApi
  /** Issues (the notice to a person), on the same client. */
  readonly issues: IssuesApi
}

export function createGitHub(
  options: Omit<GitHubOptions, 'stats'> & { readonly mask: (value: string) => void }
): GitHub {
  const stats: GitHubStats = { requests: 0, rateLimited: 0, pausedMs: 0, peakInFlight: 0 }
  const { octokit, pacer } = pacedClient({ ...options, stats })
  return {
    stats: () => ({ ...stats }),
    outOfTime: () => pacer.exhausted(),
    workflows: octokitWorkflows(octokit),
    alerts: octokitAlerts(octokit, options.mask),
    issues: octokitIssues(octokit),
    runState: (repository, runId, attempt) => readRunState(octokit, repository, runId, attempt),
    prepare: target => prepareTarget(octokit, target),
    secretUpdatedAt: (target, secretName) => readSecretUpdatedAt(octokit, target, secretName),
    write: (prepared, secrets) =>
      writeSecrets(octokit, options.orgSecretVisibility, prepared, secrets)
  }
}
