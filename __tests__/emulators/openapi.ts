/**
 * Holds requests and responses to GitHub's own REST API description (npm `@octokit/openapi`,
 * the files GitHub publishes), so an emulator cannot accept a request GitHub would refuse or
 * answer in a shape GitHub does not send.
 *
 * The descriptions are OpenAPI 3.0.3: their schemas are JSON Schema draft-07-like with
 * `nullable`, so they go to Ajv's default (draft-07) class. `$ref`s stay references: the
 * components are registered with Ajv once and each schema is compiled on first use, then cached.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Ajv } from 'ajv'
import type { ErrorObject, ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'

/** 'ghes' is the newest ghes-3.x description the package ships. */
export type Description = 'api.github.com' | 'ghes'

export interface Exchange {
  method: string
  /** The path as sent (still percent-encoded), without the base path or the query. */
  path: string
  query: Record<string, string>
  requestHeaders: Record<string, string | string[] | undefined>
  /** Parsed JSON; undefined when the request had no body. */
  requestBody: unknown
  status: number
  /** Parsed JSON; undefined when the response had no body. */
  responseBody: unknown
}

export interface Operation {
  /** The description's path template, e.g. /repos/{owner}/{repo}/actions/secrets/{secret_name}. */
  template: string
  method: string
  operationId: string
  /** Path parameters, decoded. */
  params: Record<string, string>
  /** GitHub's `x-github` block: enabledForGitHubApps, githubCloudOnly, category, subcategory. */
  xGitHub: Record<string, unknown>
}

/** The REST API version the action sends on every request. */
export const API_VERSION = '2022-11-28'

/**
 * Statuses GitHub answers on any route, whether or not an operation lists them: 400 a body
 * that is not JSON or not an object, or an unsupported API version; 401 bad credentials; 403
 * missing permission or a rate limit; 404 for what the token cannot see; 422 "Invalid request"
 * or "Validation Failed" (a secret sealed for another key, a dispatch to a missing ref, GHES
 * refusing return_run_details: none of those operations declares 422); 429 a secondary rate
 * limit; 5xx server trouble. GitHub documents the 400s and 422s for every endpoint in
 * https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api. Their bodies
 * are still checked against the description's basic-error. Anything else must be declared.
 */
export const GENERIC_STATUSES: ReadonlySet<number> = new Set([
  400, 401, 403, 404, 422, 429, 500, 502, 503, 504
])
const BASIC_ERROR = '/components/schemas/basic-error'

type Node = Record<string, unknown>

interface Route {
  template: string
  regex: RegExp
  names: string[]
  literals: number
  /** A parameter may hold slashes, so the segment count says nothing. */
  multi: boolean
  item: Node
}

/** Routes by first segment and segment count, so a lookup tries tens of patterns, not 1,000. */
interface Routes {
  fixed: Map<string, Route[]>
  multi: Route[]
}

const bucket = (path: string): string => {
  const segments = path.split('/')
  return `${segments[1] ?? ''}/${segments.length}`
}

interface Loaded {
  name: string
  id: string
  doc: Node
  ajv: Ajv
  routes: Routes
  validators: Map<string, ValidateFunction>
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace']
const MAX_ERRORS = 8
/**
 * Loaded descriptions: under jest, shared by the test files of one worker (see
 * worker-environment.cjs); elsewhere (demo, bench) this module's own.
 */
const loaded: Map<Description, Loaded> =
  (globalThis as { openapiDescriptions?: Map<Description, Loaded> }).openapiDescriptions ??
  new Map()

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function generatedDir(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated')
}

/** The file a description is read from, e.g. ghes-3.19.json. */
export function descriptionFile(description: Description): string {
  if (description === 'api.github.com') return 'api.github.com.json'
  const minors = readdirSync(generatedDir())
    .map(file => /^ghes-3\.(\d+)\.json$/.exec(file)?.[1])
    .filter((minor): minor is string => minor !== undefined)
    .map(Number)
  if (minors.length === 0) throw new Error('@octokit/openapi ships no ghes-3.x description')
  return `ghes-3.${Math.max(...minors)}.json`
}

/**
 * Rewrites OpenAPI 3.0 `nullable` where Ajv would not honour it (no `type`, or beside
 * `$ref`, a combinator or `enum`): GitHub means "this or null" there. Also makes `$ref`s
 * absolute and collects the formats in use.
 */
function prepare(node: unknown, formats: Set<string>, id: string): void {
  if (Array.isArray(node)) {
    for (const item of node) prepare(item, formats, id)
    return
  }
  if (!isNode(node)) return
  for (const [key, value] of Object.entries(node)) {
    // Examples are data, not schemas.
    if (key !== 'example' && key !== 'examples') prepare(value, formats, id)
  }
  if (typeof node.format === 'string') formats.add(node.format)
  // Absolute, so any schema in the document compiles on its own against the registered components.
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) node.$ref = id + node.$ref
  if (node.nullable !== true) return
  const needsWrap =
    node.type === undefined ||
    ['$ref', 'allOf', 'anyOf', 'oneOf', 'enum', 'const'].some(key => key in node)
  if (!needsWrap) return
  const rest: Node = { ...node }
  delete rest.nullable
  for (const key of Object.keys(node)) delete node[key]
  node.anyOf = [rest, { type: 'null' }]
}

function load(description: Description): Loaded {
  const cached = loaded.get(description)
  if (cached) return cached
  const file = descriptionFile(description)
  const doc = JSON.parse(readFileSync(join(generatedDir(), file), 'utf8')) as Node
  const id = `https://openapi.octokit.invalid/${file}`
  const formats = new Set<string>()
  prepare(doc, formats, id)

  // strict: false because OpenAPI adds keywords (example, discriminator, x-*) Ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false })
  addFormats.default(ajv)
  // Formats GitHub invents (repo.nwo, timestamp, ...) have no definition: accept any value.
  for (const format of formats) if (!(format in ajv.formats)) ajv.addFormat(format, true)
  // Only the components: registering the paths too costs Ajv a walk of the whole document.
  ajv.addSchema({ components: doc.components }, id)

  const result: Loaded = {
    name: file.replace(/\.json$/, ''),
    id,
    doc,
    ajv,
    routes: buildRoutes(doc),
    validators: new Map()
  }
  loaded.set(description, result)
  return result
}

/** Reads a local `#/...` reference. */
function pointerGet(doc: Node, pointer: string): unknown {
  let at: unknown = doc
  for (const token of pointer.split('/').slice(1)) {
    if (!isNode(at) && !Array.isArray(at)) return undefined
    at = (at as Node)[token.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return at
}

const escapeToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1')

/** Follows `$ref`s (parameters, request bodies, responses) to the object and its pointer. */
function deref(
  loadedDoc: Loaded,
  value: unknown,
  pointer: string
): { node: Node; pointer: string } {
  let node = value
  let at = pointer
  for (let hops = 0; isNode(node) && typeof node.$ref === 'string' && hops < 20; hops++) {
    const ref = node.$ref
    if (!ref.startsWith(`${loadedDoc.id}#/`)) throw new Error(`unsupported $ref ${ref}`)
    at = ref.slice(loadedDoc.id.length + 1)
    node = pointerGet(loadedDoc.doc, at)
  }
  if (!isNode(node)) throw new Error(`${loadedDoc.name}: nothing at ${at}`)
  return { node, pointer: at }
}

function buildRoutes(doc: Node): Routes {
  const paths = isNode(doc.paths) ? doc.paths : {}
  const routes: Routes = { fixed: new Map(), multi: [] }
  for (const [template, item] of Object.entries(paths)) {
    if (!isNode(item)) continue
    // Parameters marked x-multi-segment (contents paths, refs) may hold slashes.
    const multi = new Set<string>()
    for (const method of [...METHODS, 'parameters']) {
      const op = method === 'parameters' ? item : item[method]
      const params = isNode(op) && Array.isArray(op.parameters) ? op.parameters : []
      for (const param of params) {
        const resolved =
          isNode(param) && typeof param.$ref === 'string'
            ? pointerGet(doc, param.$ref.slice(param.$ref.indexOf('#') + 1))
            : param
        if (isNode(resolved) && resolved['x-multi-segment'] === true) {
          multi.add(String(resolved.name))
        }
      }
    }
    const names: string[] = []
    const source = template
      .split(/(\{[^}]+\})/)
      .map(part => {
        const name = /^\{([^}]+)\}$/.exec(part)?.[1]
        if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        names.push(name)
        return multi.has(name) ? '(.+)' : '([^/]+)'
      })
      .join('')
    const literals = template.split('/').filter(segment => segment !== '' && !segment.includes('{'))
    const route: Route = {
      template,
      regex: new RegExp(`^${source}$`),
      names,
      literals: literals.length,
      multi: names.some(name => multi.has(name)),
      item
    }
    if (route.multi) routes.multi.push(route)
    else routes.fixed.set(bucket(template), [...(routes.fixed.get(bucket(template)) ?? []), route])
  }
  return routes
}

interface Match {
  route: Route
  params: Record<string, string>
}

/** The best matching template: literal segments win over parameters, as on GitHub. */
function matchPath(loadedDoc: Loaded, path: string): Match[] {
  const matches: Match[] = []
  const candidates = [
    ...(loadedDoc.routes.fixed.get(bucket(path)) ?? []),
    ...loadedDoc.routes.multi
  ]
  for (const route of candidates) {
    const found = route.regex.exec(path)
    if (!found) continue
    const params: Record<string, string> = {}
    try {
      route.names.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1] ?? '')
      })
    } catch {
      continue
    }
    matches.push({ route, params })
  }
  return matches.sort((a, b) => b.route.literals - a.route.literals)
}

/** Finds the operation GitHub's description has for a request, or undefined. */
export function findOperation(
  description: Description,
  method: string,
  path: string
): Operation | undefined {
  const doc = load(description)
  const lower = method.toLowerCase()
  for (const { route, params } of matchPath(doc, path)) {
    const op = route.item[lower]
    if (!isNode(op)) continue
    return {
      template: route.template,
      method: method.toUpperCase(),
      operationId: String(op.operationId),
      params,
      // A copy: the description is shared by every test file of the worker.
      xGitHub: isNode(op['x-github']) ? { ...op['x-github'] } : {}
    }
  }
  return undefined
}

function validatorAt(doc: Loaded, pointer: string): ValidateFunction {
  let validate = doc.validators.get(pointer)
  if (!validate) {
    const schema = pointerGet(doc.doc, pointer)
    if (!isNode(schema)) throw new Error(`${doc.name}: no schema at ${pointer}`)
    validate = doc.ajv.compile(schema)
    doc.validators.set(pointer, validate)
  }
  return validate
}

function describeErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  const lines = new Map<string, string[]>()
  for (const error of errors ?? []) {
    const params = error.params as Record<string, unknown>
    // Missing properties are gathered per object: a skeletal emulator reply misses dozens.
    if (error.keyword === 'required') {
      const key = `${where}${error.instancePath}: required`
      lines.set(key, [...(lines.get(key) ?? []), `'${String(params.missingProperty)}'`])
      continue
    }
    let detail = ''
    if (error.keyword === 'additionalProperties') {
      detail = ` ("${String(params.additionalProperty)}")`
    }
    if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      detail = ` (${params.allowedValues.map(value => JSON.stringify(value)).join(', ')})`
    }
    lines.set(`${where}${error.instancePath}: ${error.message ?? error.keyword}${detail}`, [])
  }
  const all = [...lines].map(([line, missing]) => {
    if (!line.endsWith(': required')) return line
    const unique = [...new Set(missing)]
    const noun = unique.length === 1 ? 'property' : 'properties'
    return `${line.slice(0, -': required'.length)}: must have required ${noun} ${unique.join(', ')}`
  })
  if (all.length <= MAX_ERRORS) return all
  return [...all.slice(0, MAX_ERRORS), `${where}: and ${all.length - MAX_ERRORS} more problem(s)`]
}

/**
 * Keys a request body's schema does not declare. GitHub refuses them with 422 "... is not a
 * permitted key" (e.g. return_run_details on GHES 3.19, benc-uk/workflow-dispatch#86) even
 * where the description leaves additionalProperties unset, or ignores them silently: either
 * way the request does not do what the client meant.
 */
function undeclaredKeys(doc: Loaded, schema: unknown, value: unknown, at: string): string[] {
  if (!isNode(schema)) return []
  const { node } = deref(doc, schema, '')
  if (['allOf', 'anyOf', 'oneOf'].some(key => key in node)) return []
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => undeclaredKeys(doc, node.items, item, `${at}/${index}`))
  }
  if (!isNode(value) || !isNode(node.properties)) return []
  const properties = node.properties
  const problems: string[] = []
  for (const [key, child] of Object.entries(value)) {
    if (key in properties) {
      problems.push(...undeclaredKeys(doc, properties[key], child, `${at}/${key}`))
    } else if (node.additionalProperties === undefined) {
      // additionalProperties: false is Ajv's to report; true or a schema allows the key.
      problems.push(`${at}: "${key}" is not a property GitHub declares`)
    }
  }
  return problems
}

/** Candidate typed values of a path or query string (they arrive as text). */
function candidates(raw: string): unknown[] {
  const values: unknown[] = [raw]
  if (/^-?\d+(\.\d+)?$/.test(raw)) values.push(Number(raw))
  if (raw === 'true' || raw === 'false') values.push(raw === 'true')
  if (raw.includes(',')) values.push(raw.split(','))
  return values
}

/**
 * Date parameters documented with GitHub's search syntax (`created` on workflow runs:
 * ">=2024-01-01T00:00:00Z", "A..B") although their schema says date-time: each date is checked.
 */
function isSearchRange(param: Node, raw: string, validate: ValidateFunction): boolean {
  if (typeof param.description !== 'string' || !param.description.includes('search syntax')) {
    return false
  }
  const range = raw.replace(/^(?:>=|<=|>|<)/, '')
  const dates = range.split('..')
  if (dates.length > 2 || (dates.length === 2 && raw !== range)) return false
  return dates.every(
    date =>
      (date === '*' && dates.length === 2) || /^\d{4}-\d{2}-\d{2}$/.test(date) || validate(date)
  )
}

function checkParameters(
  doc: Loaded,
  label: string,
  template: string,
  method: string,
  op: Node,
  pathParams: Record<string, string>,
  query: Record<string, string>
): string[] {
  const problems: string[] = []
  const base = `/paths/${escapeToken(template)}`
  const declared = new Map<string, { node: Node; pointer: string }>()
  const collect = (list: unknown, pointer: string): void => {
    if (!Array.isArray(list)) return
    list.forEach((param, index) => {
      const resolved = deref(doc, param, `${pointer}/${index}`)
      declared.set(`${String(resolved.node.in)}:${String(resolved.node.name)}`, resolved)
    })
  }
  const item = pointerGet(doc.doc, base)
  if (isNode(item)) collect(item.parameters, `${base}/parameters`)
  collect(op.parameters, `${base}/${method}/parameters`)

  for (const { node, pointer } of declared.values()) {
    const place = node.in
    if (place !== 'path' && place !== 'query') continue
    const name = String(node.name)
    const raw = place === 'path' ? pathParams[name] : query[name]
    if (raw === undefined) {
      if (node.required === true)
        problems.push(`${label}: required ${place} parameter "${name}" is missing`)
      continue
    }
    if (!isNode(node.schema)) continue
    const validate = validatorAt(doc, `${pointer}/schema`)
    const tries = candidates(raw)
    if (tries.some(value => validate(value))) continue
    if (isSearchRange(node, raw, validate)) continue
    validate(tries[tries.length - 1])
    problems.push(
      ...describeErrors(
        `${label}: ${place} parameter "${name}"=${JSON.stringify(raw)}`,
        validate.errors
      )
    )
  }
  return problems
}

/** The JSON media type of a content map, if any. */
function jsonMediaType(content: unknown): string | undefined {
  if (!isNode(content)) return undefined
  if ('application/json' in content) return 'application/json'
  return Object.keys(content).find(type => /[/+]json$/.test(type))
}

const noBody = (body: unknown): boolean => body === undefined || body === ''

function headerValue(headers: Exchange['requestHeaders'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue
    return Array.isArray(value) ? value.join(', ') : value
  }
  return undefined
}

/** The request's X-GitHub-Api-Version, which GitHub wants on every request. */
function checkVersion(exchange: Exchange): string[] {
  const version = headerValue(exchange.requestHeaders, 'x-github-api-version')
  const request = `${exchange.method} ${exchange.path}`
  if (version === undefined)
    return [`${request}: no X-GitHub-Api-Version header (send ${API_VERSION})`]
  if (version !== API_VERSION)
    return [`${request}: X-GitHub-Api-Version is "${version}", not ${API_VERSION}`]
  return []
}

/** The operation an exchange is one of, as checkRequestBody and checkResponse need it. */
interface MatchedOperation {
  doc: Loaded
  op: Node
  /** The operation's JSON pointer in the description. */
  pointer: string
  /** METHOD /path/{template}, for the messages. */
  label: string
}

function checkRequestBody(
  { doc, op, pointer, label }: MatchedOperation,
  exchange: Exchange
): string[] {
  if (op.requestBody === undefined) {
    return noBody(exchange.requestBody)
      ? []
      : [`${label}: sends a body, but the operation takes none`]
  }
  const { node: body, pointer: bodyPointer } = deref(doc, op.requestBody, `${pointer}/requestBody`)
  const type = jsonMediaType(body.content)
  if (noBody(exchange.requestBody)) {
    return body.required === true ? [`${label}: the request body is required`] : []
  }
  if (type === undefined) return []
  const problems: string[] = []
  const schemaPointer = `${bodyPointer}/content/${escapeToken(type)}/schema`
  const validate = validatorAt(doc, schemaPointer)
  if (!validate(exchange.requestBody)) {
    problems.push(...describeErrors(`${label}: request body`, validate.errors))
  }
  problems.push(
    ...undeclaredKeys(
      doc,
      pointerGet(doc.doc, schemaPointer),
      exchange.requestBody,
      `${label}: request body`
    )
  )
  return problems
}

/**
 * The schema the response body is held to (none when there is nothing to check), and what is
 * wrong with the status or with the body's presence.
 */
function responseSchema(
  { doc, op, pointer, label }: MatchedOperation,
  exchange: Exchange
): { schemaPointer?: string; problems: string[] } {
  const responses = isNode(op.responses) ? op.responses : {}
  const status = String(exchange.status)
  const sent = !noBody(exchange.responseBody)
  if (!(status in responses)) {
    if (GENERIC_STATUSES.has(exchange.status))
      return sent ? { schemaPointer: BASIC_ERROR, problems: [] } : { problems: [] }
    const listed = Object.keys(responses).join(', ')
    return {
      problems: [
        `${label}: GitHub does not answer this operation with ${status} (it declares ${listed})`
      ]
    }
  }
  const { node: response, pointer: responsePointer } = deref(
    doc,
    responses[status],
    `${pointer}/responses/${status}`
  )
  const type = jsonMediaType(response.content)
  if (response.content === undefined) {
    // Some operations declare an error answer by its description alone (secret scanning's
    // update-alert 400/403/404/422, list-alerts-for-repo 404): GitHub still sends its error
    // body there, so it is held to basic-error like any other error answer.
    if (sent && GENERIC_STATUSES.has(exchange.status))
      return { schemaPointer: BASIC_ERROR, problems: [] }
    return {
      problems: sent
        ? [`${label}: GitHub answers ${status} with no body, the emulator sent one`]
        : []
    }
  }
  if (type === undefined) return { problems: [] }
  if (!sent) {
    return {
      problems: [`${label}: GitHub answers ${status} with a ${type} body, the emulator sent none`]
    }
  }
  return { schemaPointer: `${responsePointer}/content/${escapeToken(type)}/schema`, problems: [] }
}

function checkResponse(operation: MatchedOperation, exchange: Exchange): string[] {
  const { schemaPointer, problems } = responseSchema(operation, exchange)
  if (schemaPointer === undefined) return problems
  const validate = validatorAt(operation.doc, schemaPointer)
  if (validate(exchange.responseBody)) return problems
  return [
    ...problems,
    ...describeErrors(`${operation.label}: ${exchange.status} response body`, validate.errors)
  ]
}

/**
 * Everything GitHub's description says is wrong with one request and its response. Empty when
 * the exchange is one GitHub could have had.
 */
export function validateExchange(description: Description, exchange: Exchange): string[] {
  const doc = load(description)
  const method = exchange.method.toLowerCase()
  const problems = checkVersion(exchange)

  const matches = matchPath(doc, exchange.path)
  const match = matches.find(candidate => isNode(candidate.route.item[method]))
  if (!match) {
    const others = matches.flatMap(({ route }) => METHODS.filter(m => isNode(route.item[m])))
    const hint =
      others.length > 0 ? ` (that path takes ${[...new Set(others)].join(', ').toUpperCase()})` : ''
    problems.push(
      `GitHub has no operation ${exchange.method.toUpperCase()} ${exchange.path} in ${doc.name}${hint}`
    )
    return problems
  }
  const { route, params } = match
  const operation: MatchedOperation = {
    doc,
    op: route.item[method] as Node,
    pointer: `/paths/${escapeToken(route.template)}/${method}`,
    label: `${exchange.method.toUpperCase()} ${route.template}`
  }
  return [
    ...problems,
    ...checkParameters(
      doc,
      operation.label,
      route.template,
      method,
      operation.op,
      params,
      exchange.query
    ),
    ...checkRequestBody(operation, exchange),
    ...checkResponse(operation, exchange)
  ]
}
