/**
 * `npm run validate`: action.yml, examples/*.yml and .github/workflows/*.yml through GitHub's own
 * parser (@actions/workflow-parser: the schemas the runner uses), plus this project's rule that
 * every action a workflow uses is pinned by a full commit SHA, except this action itself, which
 * the examples (copied by users) name by its major tag, `OWNER/rotate-aws-access-keys@v0`, the one
 * reference the README teaches. Run under tsx, which loads the parser's JSON schemas. Exits
 * non-zero and lists every problem.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'

const trace = new NoOperationTraceWriter()
const PINNED = /^[^@\s]+@[0-9a-f]{40}$/
/** This action as the examples name it: a SHA there would go stale with every release. */
const OWN_ACTION = /^OWNER\/rotate-aws-access-keys@v\d+$/

/** Problems GitHub's parser finds in one file, as "file: message" lines. */
export function problemsIn(name: string, content: string, kind: 'action' | 'workflow'): string[] {
  const parsed =
    kind === 'action'
      ? parseAction({ name, content }, trace)
      : parseWorkflow({ name, content }, trace)
  const problems = parsed.context.errors.getErrors().map(error => error.message)
  if (kind === 'workflow') {
    for (const match of content.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)) {
      const reference = match[1] ?? ''
      if (!reference.startsWith('./') && !PINNED.test(reference) && !OWN_ACTION.test(reference)) {
        problems.push(`${name}: ${reference} is not pinned by a full commit SHA`)
      }
    }
  }
  return problems
}

function yamlFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter(file => /\.ya?ml$/.test(file))
    .map(file => join(directory, file))
}

function main(): void {
  const files: Array<[string, 'action' | 'workflow']> = [
    ['action.yml', 'action'],
    ...yamlFiles('examples').map(file => [file, 'workflow'] as [string, 'workflow']),
    ...yamlFiles('.github/workflows').map(file => [file, 'workflow'] as [string, 'workflow'])
  ]
  const problems = files.flatMap(([file, kind]) =>
    problemsIn(file, readFileSync(file, 'utf8'), kind)
  )
  // The parser itself must still refuse what GitHub refuses, or a pass proves nothing.
  const action = readFileSync('action.yml', 'utf8')
  if (
    problemsIn('node99.yml', action.replace('using: node24', 'using: node99'), 'action').length ===
    0
  ) {
    problems.push('the parser accepted an action with using: node99')
  }
  if (
    problemsIn(
      'bad.yml',
      'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: a\n        bogus: 1\n',
      'workflow'
    ).length === 0
  ) {
    problems.push('the parser accepted an unknown step key')
  }
  for (const problem of problems) console.log(`::error::${problem}`)
  console.log(`${files.length} files checked, ${problems.length} problem(s).`)
  if (problems.length > 0) process.exitCode = 1
}

main()
