/**
 * `npx tsx scripts/emulators.ts ENV_FILE`: starts the IAM/STS and GitHub emulators with a deploy
 * user whose 100-day-old key repository acme/app holds, for a workflow that runs the action with
 * `uses: ./` on a real runner. Writes the variables that point the action at them to ENV_FILE
 * (for $GITHUB_ENV), and serves GET /check: 200 when acme/app holds the user's only active key.
 * Everything here is made up on the spot; nothing reaches a real service.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { startWorld, TOKEN, USER } from '../__tests__/emulators/world.js'

async function main(): Promise<void> {
  const envFile = process.argv[2]
  if (!envFile) throw new Error('usage: tsx scripts/emulators.ts ENV_FILE')
  const world = await startWorld({ propagationDelayMs: 3_000 })
  const seeded = world.stored()
  const check = createServer((_request, response) => {
    const active = world.aws.keys(USER).filter(key => key.status === 'Active')
    const held = world.stored()
    const ok =
      active.length === 1 &&
      active[0]?.accessKeyId === held.accessKeyId &&
      active[0]?.secretAccessKey === held.secretAccessKey &&
      held.accessKeyId !== seeded.accessKeyId
    response.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' })
    response.end(
      ok
        ? 'acme/app holds the new key, the only active one\n'
        : `not rotated: ${active.length} active key(s), acme/app holds ${held.accessKeyId === seeded.accessKeyId ? 'the seeded key' : 'another key'}\n`
    )
  })
  await new Promise<void>(resolve => check.listen(0, '127.0.0.1', resolve))
  const { port } = check.address() as AddressInfo
  writeFileSync(
    envFile,
    [
      `EMULATED_AWS_URL=${world.aws.url}`,
      `EMULATED_GITHUB_API_URL=${world.github.url}`,
      `EMULATED_GITHUB_TOKEN=${TOKEN}`,
      `EMULATED_ACCESS_KEY_ID=${seeded.accessKeyId}`,
      `EMULATED_SECRET_ACCESS_KEY=${seeded.secretAccessKey}`,
      `EMULATED_CHECK_URL=http://127.0.0.1:${port}/check`,
      ''
    ].join('\n')
  )
  console.log(`emulators up: AWS ${world.aws.url}, GitHub ${world.github.url}, check port ${port}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
