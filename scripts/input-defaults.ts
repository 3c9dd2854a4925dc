/**
 * Writes src/input-defaults.ts from action.yml: the inputs' defaults have one source, the file
 * the runner reads. `npm run bundle` runs it first; settings.test.ts checks the two agree.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { parse } from 'yaml'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string | number | boolean }>
}
const entries = Object.entries(action.inputs).map(
  ([name, input]) =>
    `  ${JSON.stringify(name).replace(/^"([a-z]+)"$/, '$1')}: ${JSON.stringify(String(input.default ?? ''))}`
)
const text = `// Generated from action.yml by scripts/input-defaults.ts (npm run bundle): edit action.yml.

/** The defaults, applied in code too: a bare \`node dist/index.js\` gets no action.yml defaults. */
export const INPUT_DEFAULTS = {
${entries.join(',\n').replace(/"/g, "'")}
} as const
`
writeFileSync('src/input-defaults.ts', text)
