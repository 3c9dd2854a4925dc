/**
 * GitHub's answers are text the action did not write, end to end through the bundled action: a
 * proxy in front of the GitHub emulator adds entries to the secret scanning alert list that
 * GitHub's description does not allow (null, a value that is a number, a one-character value, a
 * URL with a line break). What the run prints must stay inert: no workflow command, no mask that
 * blanks a letter; the malformed entries are skipped and counted, the valid alerts acted on.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { maskedLog, nodeBinaries } from './emulators/runner.js'
import { startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const REPO = 'acme/app'
const INJECTED = '::warning::injected by an alert URL'

/** A proxy to `upstream` that appends `extra` to each secret scanning alert list it passes on. */
async function alertListProxy(upstream: string, extra: unknown[]): Promise<Server> {
  const target = new URL(upstream)
  const server = createServer((req, res) => {
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host }
      },
      async answer => {
        const body = await read(answer)
        const list = req.method === 'GET' && /\/secret-scanning\/alerts(\?|$)/.test(req.url ?? '')
        const sent =
          list && answer.statusCode === 200
            ? Buffer.from(JSON.stringify([...(JSON.parse(String(body)) as unknown[]), ...extra]))
            : body
        res.writeHead(answer.statusCode ?? 502, {
          ...answer.headers,
          'content-length': String(sent.length)
        })
        res.end(sent)
      }
    )
    req.pipe(forward)
  })
  await new Promise<void>(listening => server.listen(0, '127.0.0.1', listening))
  return server
}

async function read(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const ALERTS = 'https://github.example/acme/app/security/secret-scanning'

/** The stdout lines a runner would obey as workflow commands, ours (masks) aside. */
const commands = (stdout: string, name: string) =>
  stdout.split(/\r\n|\r|\n/).filter(line => new RegExp(`^\\s*::${name}::|##\\[`).test(line))

describe(`alert lists GitHub should never send, on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  let proxy: Server | undefined
  afterEach(async () => {
    proxy?.close()
    await world?.close()
  })

  /** A young key named in one valid alert; the proxy adds `extra` to every alert list. */
  async function runWith(extra: unknown[]) {
    world = await startWorld({ repos: [REPO], secretScanning: 'write', keyAgeDays: 10 })
    const leaked = world.stored()
    world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    proxy = await alertListProxy(world.github.url, extra)
    const { port } = proxy.address() as AddressInfo
    const result = await world.run({}, { ...withNode, githubUrl: `http://127.0.0.1:${port}` })
    const status = world.aws.keys(USER).find(key => key.accessKeyId === leaked.accessKeyId)?.status
    return { result, leaked, status }
  }

  it('a URL with a line break raises no workflow command: it is printed on its line', async () => {
    const { result } = await runWith([
      {
        number: 902,
        html_url: `${ALERTS}/902\n${INJECTED}`,
        secret_type: 'aws_access_key_id',
        secret: 'AKIAEXAMPLEKEY000902'
      }
    ])
    expect(result.code).toBe(0)
    expect(commands(result.stdout, 'warning')).toEqual([])
    expect(result.stdout).toContain(`secret-scanning/902%0A${INJECTED}`)
    expect(result.summary.split('\n').filter(line => /^\s*::/.test(line))).toEqual([])
  })

  it('null and a value that is a number are skipped and counted once; the valid alert beside them is acted on', async () => {
    const { result, leaked, status } = await runWith([
      null,
      {
        number: 901,
        html_url: `${ALERTS}/901`,
        secret_type: 'aws_secret_access_key',
        secret: 12345
      }
    ])
    expect(result.stderr).not.toMatch(/is not a function/)
    expect(result.code).toBe(0)
    expect(world?.stored().accessKeyId).not.toBe(leaked.accessKeyId)
    expect(status).toBe('Inactive')
    expect(commands(result.stdout, 'notice').filter(line => /skipped/.test(line))).toEqual([
      '::notice::Leak check: skipped 2 secret scanning alert(s) that GitHub sent without a number, type or value the action can read; the other alerts were checked.'
    ])
  })

  it('a one-character value is not masked, so the log keeps its letters', async () => {
    const { result } = await runWith([
      { number: 903, html_url: `${ALERTS}/903`, secret_type: 'aws_access_key_id', secret: 'e' }
    ])
    expect(result.code).toBe(0)
    const { masks } = maskedLog(result.stdout)
    expect(masks.filter(mask => mask.length < 8)).toEqual([])
    expect(masks.length).toBeGreaterThan(0)
  })
})
