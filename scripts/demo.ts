/**
 * `npm run demo`: the action's main job against the local emulators. A deploy user with a
 * 100-day-old key stored in a repository's secrets; AWS takes a few seconds to accept a new key.
 * Runs the bundled dist/index.js as the runner would (self-rotation) and shows what happened.
 */
import { existsSync } from 'node:fs'
import { maskedLog } from '../__tests__/emulators/runner.js'
import { GITHUB_LATENCY_MS } from '../__tests__/emulators/github.js'
import { ID_SECRET, startWorld, USER, type World } from '../__tests__/emulators/world.js'

const PROPAGATION_MS = 6_000

function showKeys(world: World, title: string): void {
  console.log(`\n${title}`)
  const now = Date.now()
  for (const key of world.aws.keys(USER)) {
    const days = Math.floor((now - key.createDate.getTime()) / 86_400_000)
    const id = `${key.accessKeyId.slice(0, 4)}…${key.accessKeyId.slice(-4)}`
    console.log(`  ${id}  ${key.status.padEnd(8)}  ${String(days).padStart(3)} days old`)
  }
  const held = world.stored().accessKeyId
  console.log(`  acme/app secret ${ID_SECRET} holds ${held.slice(0, 4)}…${held.slice(-4)}`)
}

async function main(): Promise<void> {
  if (!existsSync('dist/index.js')) throw new Error('dist/index.js is missing: run npm run bundle')
  const world = await startWorld({
    propagationDelayMs: PROPAGATION_MS,
    githubLatencyMs: GITHUB_LATENCY_MS
  })
  try {
    console.log('Emulators (local, 127.0.0.1 only):')
    console.log(
      `  IAM + STS  ${world.aws.url}  (new keys accepted after ${PROPAGATION_MS / 1000} s)`
    )
    console.log(`  GitHub     ${world.github.url}`)
    showKeys(world, 'Before:')

    console.log(
      '\nRunning dist/index.js (self-rotation of IAM user "deploy", target acme/app)...\n'
    )
    const result = await world.run()
    const { masks, visible } = maskedLog(result.stdout)
    for (const line of visible.split('\n').filter(Boolean)) console.log(`  | ${line}`)
    console.log(`  (${masks.length} values registered with ::add-mask::, not shown)`)

    console.log('\nStep summary:\n')
    console.log(result.summary.replace(/^/gm, '  '))
    console.log('Outputs:')
    for (const [name, value] of Object.entries(result.outputs)) {
      if (name !== 'plan') console.log(`  ${name} = ${value}`)
    }
    showKeys(world, 'After:')
    const seconds = result.durationMs / 1000
    console.log(
      `\nExit code ${result.code}; ${seconds.toFixed(1)} s in all, ${(seconds - PROPAGATION_MS / 1000).toFixed(1)} s beyond the emulated propagation delay.`
    )
    const secret = world.stored().secretAccessKey
    const leaked = [visible, result.stderr, result.summary].some(text => text.includes(secret))
    console.log(
      leaked
        ? 'LEAK: the new secret was printed'
        : 'The new secret appears nowhere but in ::add-mask::.'
    )
    if (result.code !== 0 || leaked) process.exitCode = 1
  } finally {
    await world.close()
  }
}

await main()
