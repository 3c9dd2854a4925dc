/**
 * `tsx scripts/changelog-entry.ts vX.Y.Z [CHANGELOG.md]`: prints the changelog's section for one
 * version, the notes of its GitHub release (.github/workflows/release.yml). Exits 1 when the
 * section is missing or empty, so that no release goes out without its notes; an
 * `## Unreleased (X.Y.Z)` heading does not count, it has to be renamed first.
 */
import { readFileSync } from 'node:fs'

/** The body under `## X.Y.Z` (a date or anything else may follow), up to the next `## `. */
function changelogEntry(changelog: string, version: string): string {
  const lines = changelog.split('\n')
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const heading = new RegExp(`^## \\[?${escaped}\\]?(\\s|$)`)
  const start = lines.findIndex(line => heading.test(line))
  if (start < 0) return ''
  const rest = lines.slice(start + 1)
  const end = rest.findIndex(line => line.startsWith('## '))
  return (end < 0 ? rest : rest.slice(0, end)).join('\n').trim()
}

function main(): void {
  const [tag = '', file = 'CHANGELOG.md'] = process.argv.slice(2)
  const version = tag.replace(/^v/, '')
  const entry = changelogEntry(readFileSync(file, 'utf8'), version)
  if (!/^\d+\.\d+\.\d+/.test(version) || !entry) {
    const shown = version || 'X.Y.Z'
    console.error(
      `::error::${file} has no section '## ${shown}' with notes: rename '## Unreleased (${shown})' to '## ${shown} (YYYY-MM-DD)' before tagging.`
    )
    process.exitCode = 1
    return
  }
  console.log(entry)
}

main()
