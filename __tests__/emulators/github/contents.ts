/**
 * Branches and files: a repository's files at a branch, each write a new head commit, and
 * "Get repository content" (https://docs.github.com/rest/repos/contents#get-repository-content):
 * a file in base64 with a line feed every 60 characters and its git blob sha, or a directory's
 * listing, at `?ref=` or the default branch.
 */
import { createHash } from 'node:crypto'
import type { GitHubEmulator } from '../github.js'
import { DEFAULT_BRANCH, mustFindRepo, REPO_PATH, repoOf } from './hub.js'
import type { Hub, Repo, Route, RouteCall } from './hub.js'
import { read } from './tokens.js'
import { errorReply, randomSha } from './wire.js'
import type { Reply } from './wire.js'

export interface Branch {
  /** By path, the text of each file. */
  files: Map<string, string>
  /** The head commit; every write is a new one. */
  headSha: string
}

/** `main` for `main` and `refs/heads/main`; undefined for tags and other refs (never branches). */
export function branchName(ref: string): string | undefined {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length) || undefined
  return ref.startsWith('refs/') || ref === '' ? undefined : ref
}

/** The branch, created as a copy of the default branch when it does not exist. */
export function branchOrNew(repo: Repo, ref: string): Branch {
  const name = branchName(ref)
  if (name === undefined) throw new Error(`GitHub emulator: "${ref}" is not a branch`)
  const existing = repo.branches.get(name)
  if (existing) return existing
  const base = repo.branches.get(DEFAULT_BRANCH)
  const created = { files: new Map(base?.files), headSha: base?.headSha ?? randomSha() }
  repo.branches.set(name, created)
  return created
}

/** Base64 as GitHub's contents API sends it: a line feed after every 60 characters. */
function wrapBase64(bytes: Buffer): string {
  const lines = bytes.toString('base64').match(/.{1,60}/g) ?? []
  return lines.map(line => `${line}\n`).join('')
}

/** The git object id of a blob: what GitHub shows as a file's sha. */
function gitBlobSha(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

type Entry = ReturnType<ReturnType<typeof entryMaker>>

/** The fields of a file's or directory's entry at `branch` (content-file, content-directory). */
function entryMaker(call: RouteCall, repo: Repo, branch: string) {
  const { origin } = call
  const api = `${origin}${call.hub.basePath}/repos/${repo.fullName}`
  return (entryPath: string, type: 'file' | 'dir', sha: string, size: number) => {
    const encoded = entryPath.split('/').map(encodeURIComponent).join('/')
    const self = `${api}/contents/${encoded}?ref=${encodeURIComponent(branch)}`
    const git = `${api}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`
    const html = `${origin}/${repo.fullName}/${type === 'file' ? 'blob' : 'tree'}/${branch}/${encoded}`
    return {
      type,
      size,
      name: entryPath.split('/').at(-1) ?? '',
      path: entryPath,
      sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: type === 'file' ? `${origin}/${repo.fullName}/raw/${branch}/${encoded}` : null,
      _links: { self, git, html }
    }
  }
}

/** A file (base64, as GitHub sends it) or a directory listing, at `?ref=` or the default branch. */
function contentReply(call: RouteCall): Reply {
  const { route, url } = call
  const repo = repoOf(call)
  const ref = url.searchParams.get('ref') || DEFAULT_BRANCH
  const branch = branchName(ref)
  const head = branch === undefined ? undefined : repo.branches.get(branch)
  if (branch === undefined || !head) {
    return errorReply(404, `No commit found for the ref ${ref}`, route.docs)
  }
  const path = (call.place.filePath ?? '').replace(/^\/+|\/+$/g, '')
  const entry = entryMaker(call, repo, branch)
  const text = head.files.get(path)
  if (text === undefined) return directoryReply(head, path, entry, route.docs)
  const bytes = Buffer.from(text, 'utf8')
  return {
    status: 200,
    body: {
      ...entry(path, 'file', gitBlobSha(bytes), bytes.length),
      encoding: 'base64',
      content: wrapBase64(bytes)
    }
  }
}

/** A directory: the files and directories directly in it; none is a 404. */
function directoryReply(
  head: Branch,
  path: string,
  entry: (entryPath: string, type: 'file' | 'dir', sha: string, size: number) => Entry,
  docs: string
): Reply {
  const prefix = path === '' ? '' : `${path}/`
  const children = new Map<string, 'file' | 'dir'>()
  for (const filePath of head.files.keys()) {
    if (!filePath.startsWith(prefix)) continue
    const [child = '', ...deeper] = filePath.slice(prefix.length).split('/')
    children.set(child, deeper.length > 0 ? 'dir' : 'file')
  }
  if (children.size === 0) return errorReply(404, 'Not Found', docs)
  const listing = [...children.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([child, type]) => {
      const childPath = `${prefix}${child}`
      const text = head.files.get(childPath)
      if (type === 'file' && text !== undefined) {
        const bytes = Buffer.from(text, 'utf8')
        return entry(childPath, 'file', gitBlobSha(bytes), bytes.length)
      }
      // Stands in for the tree's object id: stable while the directory's files are.
      const files = [...head.files.entries()].filter(([p]) => p.startsWith(`${childPath}/`))
      const treeSha = createHash('sha1').update(JSON.stringify(files)).digest('hex')
      return entry(childPath, 'dir', treeSha, 0)
    })
  return { status: 200, body: listing }
}

export const CONTENT_ROUTES: Route[] = [
  {
    name: 'get-content',
    method: 'GET',
    // The path keeps its slashes; without one it is the repository's root.
    pattern: new RegExp(`^${REPO_PATH}/contents(?:/(.*))?$`),
    on: 'repo',
    param: 'filePath',
    need: read('contents'),
    docs: 'https://docs.github.com/rest/repos/contents#get-repository-content',
    answer: contentReply
  }
]

export function contentControls(hub: Hub): Pick<GitHubEmulator, 'addBranch'> {
  return {
    addBranch(repo, name) {
      const found = mustFindRepo(hub, repo)
      const branch = branchName(name)
      if (branch !== undefined && found.branches.has(branch)) {
        throw new Error(`GitHub emulator: branch ${branch} exists`)
      }
      branchOrNew(found, name)
    }
  }
}
