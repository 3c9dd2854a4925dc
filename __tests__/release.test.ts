/**
 * The release workflow (.github/workflows/release.yml), read as GitHub runs it: a `v*.*.*` tag
 * starts it with `contents: write` and nothing more; dist/ is checked against a fresh bundle and
 * the tests run before anything is published; the release notes are the changelog's section;
 * the major tag moves only for the newest release of its major version. Its shell steps run here
 * under bash with stand-ins for `gh` and `git`, so what they would call is seen.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'

interface Step {
  name?: string
  run?: string
  uses?: string
  if?: string
}
interface ReleaseWorkflow {
  on: { push: { tags: string[] } }
  permissions: Record<string, string>
  jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }>
}

const workflow = parse(readFileSync('.github/workflows/release.yml', 'utf8')) as ReleaseWorkflow
const [job] = Object.values(workflow.jobs)
const steps = job?.steps ?? []
const stepIndex = (test: (step: Step) => boolean): number => steps.findIndex(test)
const runs = (command: string) => (step: Step) => step.run?.trim().startsWith(command) ?? false

/** A `run:` step as the runner's bash runs it, with `gh` and `git` replaced by recorders. */
function runStep(
  name: string,
  env: { tag: string; tags?: string[]; majorExists?: boolean; refuseRefWrites?: boolean }
) {
  const script = steps.find(step => step.name === name)?.run
  if (!script) throw new Error(`release.yml has no step '${name}'`)
  const bin = mkdtempSync(join(tmpdir(), 'release-bin-'))
  const log = join(bin, 'calls')
  writeFileSync(log, '')
  const stub = (body: string) =>
    `#!/usr/bin/env bash\necho "$(basename "$0") $*" >> "${log}"\n${body}\n`
  writeFileSync(
    join(bin, 'gh'),
    stub(`case "$*" in
  *matching-refs*) printf '%s\\n' ${(env.tags ?? [env.tag]).join(' ')} ;;
  *"/ref/tags/"*) ${env.majorExists ? 'exit 0' : 'exit 1'} ;;
  *"/git/refs"*) ${env.refuseRefWrites ? 'exit 1' : 'exit 0'} ;;
esac`)
  )
  writeFileSync(join(bin, 'git'), stub('echo 0123456789abcdef0123456789abcdef01234567'))
  chmodSync(join(bin, 'gh'), 0o755)
  chmodSync(join(bin, 'git'), 0o755)
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      GITHUB_REF_NAME: env.tag,
      GITHUB_REPOSITORY: 'OWNER/rotate-aws-access-keys'
    }
  })
  const calls = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean)
  rmSync(bin, { recursive: true, force: true })
  return { status: result.status, stdout: result.stdout, calls }
}

describe('the release workflow', () => {
  it('runs on a vX.Y.Z tag with contents: write only', () => {
    expect(workflow.on.push.tags).toEqual(['v*.*.*'])
    expect(workflow.permissions).toEqual({ contents: 'read' })
    expect(job?.permissions).toEqual({ contents: 'write' })
  })

  it('checks dist/ against a fresh bundle and runs the tests before it publishes', () => {
    const order = [
      stepIndex(runs('npm ci')),
      stepIndex(runs('npx tsx scripts/changelog-entry.ts')),
      stepIndex(runs('npm run bundle')),
      stepIndex(step => step.run?.includes('git diff --exit-code --stat -- dist') ?? false),
      stepIndex(runs('npm test')),
      stepIndex(step => step.name === 'Create the release'),
      stepIndex(step => step.name === 'Move the major tag')
    ]
    expect(order.every(index => index >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })

  it('creates the release from the changelog notes, a pre-release for a -suffix', () => {
    expect(runStep('Create the release', { tag: 'v0.2.0' }).calls).toEqual([
      expect.stringMatching(/^gh release create v0\.2\.0 --verify-tag .*--notes-file \S+notes\.md$/)
    ])
    expect(runStep('Create the release', { tag: 'v1.0.0-rc.1' }).calls).toEqual([
      expect.stringMatching(/^gh release create v1\.0\.0-rc\.1 .* --prerelease$/)
    ])
  })

  it('moves the major tag to the newest release of its major version, or creates it', () => {
    const moved = runStep('Move the major tag', {
      tag: 'v0.2.0',
      tags: ['v0.1.0', 'v0.2.0', 'v0.10.0-rc.1'],
      majorExists: true
    })
    expect(moved.status).toBe(0)
    expect(moved.calls).toContainEqual(
      'gh api -X PATCH repos/OWNER/rotate-aws-access-keys/git/refs/tags/v0 -f sha=0123456789abcdef0123456789abcdef01234567 -F force=true --silent'
    )
    const created = runStep('Move the major tag', { tag: 'v0.1.0' })
    expect(created.calls).toContainEqual(
      'gh api repos/OWNER/rotate-aws-access-keys/git/refs -f ref=refs/tags/v0 -f sha=0123456789abcdef0123456789abcdef01234567 --silent'
    )
    expect(steps.find(step => step.name === 'Move the major tag')?.if).toContain(
      "!contains(github.ref_name, '-')"
    )
  })

  it('says how to move the major tag by hand when GitHub refuses the token', () => {
    const refused = runStep('Move the major tag', {
      tag: 'v0.2.0',
      majorExists: true,
      refuseRefWrites: true
    })
    expect(refused.status).toBe(1)
    expect(refused.stdout).toContain(
      "::error::Could not move v0 to v0.2.0. Move it by hand: git tag -f v0 'v0.2.0^{}' && git push -f origin v0"
    )
  })

  it('leaves the major tag on a newer release when an older minor gets a fix', () => {
    const fix = runStep('Move the major tag', {
      tag: 'v0.1.1',
      tags: ['v0.1.0', 'v0.1.1', 'v0.2.0'],
      majorExists: true
    })
    expect(fix.status).toBe(0)
    expect(fix.stdout).toContain('::notice::v0 stays where it is: v0.2.0 is newer than v0.1.1.')
    expect(fix.calls.filter(call => /PATCH|git\/refs /.test(call))).toEqual([])
  })

  describe('scripts/changelog-entry.ts', () => {
    const entry = (tag: string, changelog: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'changelog-'))
      writeFileSync(join(dir, 'CHANGELOG.md'), changelog)
      const result = spawnSync(
        'npx',
        ['tsx', 'scripts/changelog-entry.ts', tag, join(dir, 'CHANGELOG.md')],
        { encoding: 'utf8' }
      )
      rmSync(dir, { recursive: true, force: true })
      return result
    }
    const changelog = [
      '# Changelog',
      '',
      '## 0.2.0 (2027-01-04)',
      '',
      '- Second.',
      '',
      '## 0.1.0 (2026-12-01)',
      '',
      '- First.',
      '- Also first.',
      ''
    ].join('\n')

    it('prints one version’s section', () => {
      const result = entry('v0.1.0', changelog)
      expect(result.status).toBe(0)
      expect(result.stdout).toBe('- First.\n- Also first.\n')
      expect(entry('v0.2.0', changelog).stdout).toBe('- Second.\n')
    }, 30_000)

    it('refuses a version still under Unreleased, or missing', () => {
      const unreleased = entry('v0.3.0', '# Changelog\n\n## Unreleased (0.3.0)\n\n- Soon.\n')
      expect(unreleased.status).toBe(1)
      expect(unreleased.stderr).toContain(
        "rename '## Unreleased (0.3.0)' to '## 0.3.0 (YYYY-MM-DD)'"
      )
      expect(entry('v9.9.9', changelog).status).toBe(1)
    }, 30_000)
  })
})
