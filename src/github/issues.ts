import { apiText } from '../untrusted.js'
import { type Octokit, splitRepository } from './client.js'

/**
 * GitHub issues, as the notice to a person needs them (GitHub's REST API, version 2022-11-28;
 * operations issues/list-for-repo, issues/create, issues/update, issues/create-comment). Open
 * issues are found by listing with a label, never by search, whose index lags by minutes; the
 * list returns pull requests too (they carry `pull_request`). Errors are Octokit's (`status`):
 * 403 no "Issues" permission or a rate limit, 404 no access, 410 issues are off.
 */
export interface IssuesApi {
  /** Open issues (not pull requests) with the label, oldest first. */
  listOpen(repository: string, label: string): Promise<OpenIssue[]>
  /** The newest open issues (one page of 100), labelled or not, oldest first. */
  listRecent(repository: string): Promise<OpenIssue[]>
  create(repository: string, issue: IssueText & { labels: string[] }): Promise<OpenIssue>
  update(repository: string, number: number, change: Partial<IssueText>): Promise<void>
  close(repository: string, number: number): Promise<void>
  comment(repository: string, number: number, body: string): Promise<void>
}

export interface IssueText {
  readonly title: string
  readonly body: string
}

export interface OpenIssue extends IssueText {
  readonly number: number
  readonly htmlUrl: string
  readonly labels: readonly string[]
}

export function octokitIssues(octokit: Octokit): IssuesApi {
  return {
    async listOpen(repository, label) {
      const issues: OpenIssue[] = []
      const pages = octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', {
        ...splitRepository(repository),
        state: 'open',
        labels: label,
        per_page: 100
      })
      for await (const { data } of pages) {
        for (const raw of data) {
          if (raw.pull_request) continue
          issues.push(toIssue(raw))
        }
      }
      return issues.sort((a, b) => a.number - b.number)
    },
    async listRecent(repository) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues', {
        ...splitRepository(repository),
        state: 'open',
        per_page: 100
      })
      return data
        .filter(raw => !raw.pull_request)
        .map(toIssue)
        .reverse()
    },
    async create(repository, issue) {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues', {
        ...splitRepository(repository),
        ...issue
      })
      return toIssue(data)
    },
    async update(repository, number, change) {
      await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        ...splitRepository(repository),
        issue_number: number,
        ...change
      })
    },
    async close(repository, number) {
      await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        ...splitRepository(repository),
        issue_number: number,
        state: 'closed'
      })
    },
    async comment(repository, number, body) {
      await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        ...splitRepository(repository),
        issue_number: number,
        body
      })
    }
  }
}

function toIssue(raw: {
  number: number
  title: string
  body?: string | null
  html_url: string
  labels: ReadonlyArray<string | { name?: string }>
}): OpenIssue {
  return {
    number: raw.number,
    title: raw.title,
    body: raw.body ?? '',
    // Printed in a notice and set as an output: GitHub's text, made printable.
    htmlUrl: apiText(raw.html_url),
    labels: raw.labels.map(label => (typeof label === 'string' ? label : (label.name ?? '')))
  }
}
