/**
 * `npm run local-action`: runs src/main.ts under GitHub's @github/local-action (fetched with
 * npx, not a dependency) against the local emulators. Inputs come from .env if it exists, else
 * .env.example; the emulator endpoints and the seeded credentials are filled in here.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, TOKEN, USER } from '../__tests__/emulators/world.js'

const LOCAL_ACTION = '@github/local-action@7.0.1'

async function main(): Promise<void> {
  const world = await startWorld({ propagationDelayMs: 3_000 })
  const dir = mkdtempSync(join(tmpdir(), 'local-action-'))
  try {
    const seeded = world.stored()
    const filled: Record<string, string> = {
      GITHUB_API_URL: world.github.url,
      AWS_ENDPOINT_URL_IAM: world.aws.url,
      AWS_ENDPOINT_URL_STS: world.aws.url,
      AWS_ACCESS_KEY_ID: seeded.accessKeyId,
      AWS_SECRET_ACCESS_KEY: seeded.secretAccessKey,
      'INPUT_GITHUB-TOKEN': TOKEN
    }
    const template = readFileSync(existsSync('.env') ? '.env' : '.env.example', 'utf8')
    const env = template.replace(/^([A-Z_-]+)=$/gm, (line, name: string) =>
      filled[name] !== undefined ? `${name}=${filled[name]}` : line
    )
    const envFile = join(dir, '.env')
    writeFileSync(envFile, env)
    console.log(`Emulators: AWS ${world.aws.url}, GitHub ${world.github.url}`)
    // Asynchronous on purpose: the emulators answer in this process while local-action runs.
    const child = spawn('npx', ['--yes', LOCAL_ACTION, 'run', '.', 'src/main.ts', envFile], {
      stdio: 'inherit'
    })
    const code = await new Promise<number | null>(done => child.on('close', done))
    const active = world.aws.keys(USER).filter(key => key.status === 'Active')
    console.log(
      `\nlocal-action exited ${code}; ${USER} has ${active.length} active key(s); acme/app holds ${
        world.stored().accessKeyId === seeded.accessKeyId ? 'the seeded key' : 'a new key'
      }.`
    )
    process.exitCode = code ?? 1
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await world.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
