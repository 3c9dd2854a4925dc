export const id = 597;
export const ids = [597];
export const modules = {

/***/ 6597:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  PutPair: () => (/* reexport */ PutPair),
  createGitHub: () => (/* binding */ createGitHub)
});

// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js + 21 modules
var github = __webpack_require__(1758);
// EXTERNAL MODULE: ./node_modules/p-limit/index.js + 1 modules
var p_limit = __webpack_require__(370);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-retry/dist-bundle/index.js
var dist_bundle = __webpack_require__(9735);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
;// CONCATENATED MODULE: ./src/pacing.ts
/** GitHub's documented cost of a request against the secondary limit. */
function pointsOf(method) {
    return (method ?? 'GET').toUpperCase() === 'GET' ? 1 : 5;
}
/** A 403/429 that is a rate limit (primary or secondary), not a missing permission. */
function isRateLimit(answer) {
    if (answer.status !== 403 && answer.status !== 429)
        return false;
    return (answer.status === 429 ||
        /rate limit/i.test(answer.message) ||
        answer.headers['x-ratelimit-remaining'] === '0');
}
/** GitHub's documented wait for one limited answer, before any backoff for repeats. */
function documentedWaitMs(answer, now, minuteMs) {
    // A missing header is NaN, not finite.
    const retryAfter = Number(answer.headers['retry-after']);
    if (Number.isFinite(retryAfter)) {
        return Math.max(0, retryAfter * 1000);
    }
    const reset = Number(answer.headers['x-ratelimit-reset']);
    if (answer.headers['x-ratelimit-remaining'] === '0' && reset > 0) {
        // The reset is in whole seconds: one more, so the request lands after it.
        return Math.max(0, reset * 1000 - now + 1000);
    }
    return minuteMs;
}
/** A request that must be sent even past the budget: the second PUT of a target's pair. */
const MUST_FINISH_MAX_WAITS = 8;
/**
 * Below this many points in the minute before a limit, the limit was not about volume (too many
 * at once, or content creation): the pace is left as it was.
 */
const MIN_POINTS_PER_MINUTE = 100;
/** On a limit the pace drops to this share of what was sent in the last minute. */
const DECREASE = 0.8;
/** Each accepted request raises the pace by this share of its cost (about +10 % a minute). */
const INCREASE = 0.1;
/**
 * One pause for every request (GitHub asks clients to stop all requests until the wait is
 * over), exponential waits for repeated limits, and a learned pace: unpaced until the first
 * limit, then just under the points per minute that GitHub accepted, rising slowly again.
 */
class Pacer {
    options;
    resumeAt = 0;
    pauseStartedAt = 0;
    repeats = 0;
    firstWaitMs = 0;
    sent = [];
    pointsPerMinute = Number.POSITIVE_INFINITY;
    waitedMs = 0;
    limited = 0;
    constructor(options) {
        this.options = options;
    }
    /** Waits until this request may go; returns when it was sent. */
    async admit(points) {
        const { clock } = this.options;
        for (;;) {
            const now = clock.now();
            const wait = Math.max(this.resumeAt - now, this.paceWait(now, points));
            if (wait <= 0)
                break;
            await clock.sleep(Math.min(wait, 1_000));
        }
        const at = clock.now();
        this.sent.push({ at, points });
        return at;
    }
    succeeded(points) {
        this.repeats = 0;
        // Unpaced (infinite) stays unpaced.
        this.pointsPerMinute += points * INCREASE;
    }
    /**
     * A limited answer to a request sent at `sentAt`: how long to wait, or why to give up. Past
     * the budget, `mayFinish` says whether this request must go anyway (the second PUT of a pair).
     */
    async limitedAnswer(answer, sentAt, mayFinish) {
        const now = this.options.clock.now();
        this.limited += 1;
        const documented = documentedWaitMs(answer, now, this.options.minuteMs);
        // A request already in flight when the pause began meets the same limit, not a repeat.
        const repeat = sentAt > this.pauseStartedAt;
        const repeats = repeat ? this.repeats + 1 : this.repeats;
        const firstWaitMs = repeat && repeats === 1 ? Math.max(documented, 1_000) : this.firstWaitMs;
        const waitMs = Math.max(documented, firstWaitMs * 2 ** Math.max(0, repeats - 1));
        const until = now + waitMs;
        const spent = this.waitedMs + Math.max(0, until - Math.max(now, this.resumeAt));
        if (spent > this.options.budgetMs) {
            const finish = repeats <= MUST_FINISH_MAX_WAITS && mayFinish !== undefined && (await mayFinish());
            if (!finish)
                return { giveUp: this.giveUpReason(waitMs) };
        }
        const learned = Math.floor(DECREASE * this.pointsInLastMinute(now));
        if (repeat && repeats === 1 && learned >= MIN_POINTS_PER_MINUTE) {
            this.pointsPerMinute = Math.min(this.pointsPerMinute, learned);
        }
        this.repeats = repeats;
        this.firstWaitMs = firstWaitMs;
        // Stryker disable next-line EqualityOperator: no request is sent during a pause, so ending one where it ends changes nothing
        if (until > this.resumeAt) {
            this.waitedMs = spent;
            if (until > this.resumeAt + 500) {
                this.options.log(`GitHub rate limit: pausing every request for ${(waitMs / 1000).toFixed(1)} s${repeats > 1 ? ` (limited ${repeats} times in a row)` : ''}; pacing writes at about ${this.paceText()}.`);
            }
            this.pauseStartedAt = now;
            this.resumeAt = until;
        }
        return { waitMs };
    }
    /** The budget is spent: no new target should start. */
    exhausted() {
        return this.limited > 0 && this.waitedMs >= this.options.budgetMs;
    }
    giveUpReason(waitMs) {
        return `GitHub asked to wait ${(waitMs / 1000).toFixed(0)} s more, and the run has already waited ${(this.waitedMs / 1000).toFixed(0)} s of its rate-limit-budget (${(this.options.budgetMs / 1000).toFixed(0)} s)`;
    }
    paceText() {
        return Number.isFinite(this.pointsPerMinute)
            ? `${Math.floor(this.pointsPerMinute / 5)} writes a minute`
            : 'full speed';
    }
    pointsInLastMinute(now) {
        this.sent = this.sent.filter(entry => entry.at > now - this.options.minuteMs);
        return this.sent.reduce((sum, entry) => sum + entry.points, 0);
    }
    /** How long until `points` more fit in the learned pace over the last minute. */
    paceWait(now, points) {
        // Stryker disable next-line ConditionalExpression: unpaced (Infinity), the check below returns 0 too
        if (!Number.isFinite(this.pointsPerMinute))
            return 0;
        let total = this.pointsInLastMinute(now) + points;
        if (total <= this.pointsPerMinute)
            return 0;
        // The oldest requests age out of the minute first.
        for (const entry of this.sent) {
            total -= entry.points;
            if (total <= this.pointsPerMinute)
                return entry.at + this.options.minuteMs - now + 1;
        }
        return 0;
    }
}

// EXTERNAL MODULE: ./src/clock.ts
var clock = __webpack_require__(9373);
;// CONCATENATED MODULE: ./src/github/client.ts






/** owner/repo as the REST routes take it. */
function splitRepository(repository) {
    const [owner = '', repo = ''] = repository.split('/');
    return { owner, repo };
}
/**
 * The most GitHub requests one run has in flight at once, whatever sends them (preflight, leak
 * check, writes, gate, run states). GitHub allows about 100 concurrent requests per token and
 * asks integrators to send one user's requests serially; an organization's matrix of 20 jobs
 * sharing one token stays at 60 with 3, well under, while a target's two PUTs still go together.
 */
const MAX_IN_FLIGHT = 3;
/** The REST API version the action is written against; a newer one changes dispatch. */
const API_VERSION = '2022-11-28';
/**
 * Test and benchmark seam: how many times faster than real time rate-limit minutes pass (a
 * GitHub "minute" of 1 s at 60). Anything but a number from 1 to 600 means real time.
 */
const TIME_SCALE_VARIABLE = 'ROTATE_AWS_ACCESS_KEYS_TIME_SCALE';
function minuteMs() {
    const scale = Number(process.env[TIME_SCALE_VARIABLE]);
    return scale >= 1 && scale <= 600 ? 60_000 / scale : 60_000;
}
/** An Octokit whose every request goes through the pacer, with a timeout per attempt. */
function pacedClient(options) {
    const pacer = new Pacer({
        clock: options.clock ?? clock/* systemClock */.m,
        minuteMs: minuteMs(),
        budgetMs: options.rateLimitBudgetMs,
        log: options.log
    });
    // The github-api-url input, else GITHUB_API_URL read now, not when @actions/github was loaded:
    // the same value on a runner, and right under tools that set the environment later
    // (@github/local-action). No request options: getOctokit's defaults carry the proxy settings.
    // plugin-retry retries 5xx, resets and timeouts (3 times, never 4xx); rate limits are the
    // pacer's alone (see pacing.ts for why not plugin-throttling).
    const apiUrl = options.apiUrl ?? process.env.GITHUB_API_URL;
    const octokit = (0,github/* getOctokit */.Q)(options.token, {
        ...(apiUrl ? { baseUrl: apiUrl } : {}),
        retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] }
    }, dist_bundle/* retry */.L);
    addTimeouts(octokit, options);
    addPacing(octokit, pacer, options.stats);
    return { octokit, pacer };
}
/**
 * Octokit has no timeout of its own. Each attempt, retries included, gets a fresh one by
 * wrapping the (proxy-aware) fetch; a timed-out attempt fails as a 500 that plugin-retry retries.
 */
function addTimeouts(octokit, options) {
    const { stats } = options;
    octokit.hook.before('request', requestOptions => {
        requestOptions.headers['x-github-api-version'] = API_VERSION;
        const inner = requestOptions.request?.fetch ?? globalThis.fetch;
        requestOptions.request = {
            ...requestOptions.request,
            fetch: async (url, init) => {
                stats.requests += 1;
                return inner(url, { ...init, signal: AbortSignal.timeout(options.requestTimeoutMs) });
            }
        };
    });
}
/**
 * Every request waits for a free slot of MAX_IN_FLIGHT, then for the pacer; a rate-limited
 * answer is waited out (holding no slot) or given up on. The pacer is asked once the slot is
 * held: a request queued behind hundreds of others (a read per target, all asked at once) is
 * then held by a pause that began while it queued, as GitHub asks.
 */
function addPacing(octokit, pacer, stats) {
    const slots = (0,p_limit/* default */.A)(MAX_IN_FLIGHT);
    const inFlight = async (send) => slots(async () => {
        stats.peakInFlight = Math.max(stats.peakInFlight, slots.activeCount);
        return send();
    });
    octokit.hook.wrap('request', async (send, requestOptions) => {
        const points = pointsOf(requestOptions.method);
        const pair = requestOptions.request?.[PAIR];
        for (;;) {
            let sentAt = 0;
            try {
                const response = await inFlight(async () => {
                    sentAt = await pacer.admit(points);
                    return send(requestOptions);
                });
                pacer.succeeded(points);
                pair?.pair.settle(pair.index, 'written');
                return response;
            }
            catch (error) {
                const answer = limitAnswerOf(error);
                if (!answer || !isRateLimit(answer)) {
                    pair?.pair.settle(pair.index, 'failed');
                    throw error;
                }
                const decision = await pacer.limitedAnswer(answer, sentAt, pair && (() => pair.pair.mayFinish(pair.index)));
                stats.rateLimited = pacer.limited;
                stats.pausedMs = pacer.waitedMs;
                if ('giveUp' in decision) {
                    pair?.pair.settle(pair.index, 'failed');
                    throw new RateLimitGiveUp(decision.giveUp, error);
                }
            }
        }
    });
}
/** Request option naming the PUT's place in its target's pair. */
const PAIR = 'rotatePair';
/**
 * The two PUTs of a target, sent together. Past the rate-limit budget a limited PUT is still
 * finished when its partner was written, so no target is left holding half a pair; when
 * neither was written, both give up.
 */
class PutPair {
    states;
    waiters = [];
    constructor(size) {
        this.states = Array.from({ length: size }, () => 'pending');
    }
    member(index) {
        return { pair: this, index };
    }
    settle(index, state) {
        this.states[index] = state;
        for (const wake of this.waiters.splice(0))
            wake();
    }
    /** Whether the limited PUT `index` must be sent again: waits for a partner still in flight. */
    async mayFinish(index) {
        for (;;) {
            const others = this.states.filter((_, i) => i !== index);
            if (others.includes('written')) {
                this.states[index] = 'pending';
                return true;
            }
            if (others.every(state => state === 'failed' || state === 'limited')) {
                this.settle(index, 'failed');
                return false;
            }
            this.states[index] = 'limited';
            await new Promise(wake => this.waiters.push(wake));
        }
    }
}
/** The run stopped waiting for a rate limit: its budget is spent. */
class RateLimitGiveUp extends Error {
    cause;
    constructor(message, cause) {
        super(message);
        this.cause = cause;
        this.name = 'RateLimitGiveUp';
    }
    get status() {
        return (0,errors/* statusOf */.c2)(this.cause);
    }
}
function limitAnswerOf(error) {
    const failure = error;
    if (failure?.status === undefined)
        return undefined;
    return {
        status: failure.status,
        message: failure.message ?? '',
        headers: failure.response?.headers ?? {}
    };
}

// EXTERNAL MODULE: ./node_modules/libsodium-wrappers/dist/modules-esm/libsodium-wrappers.mjs + 1 modules
var libsodium_wrappers = __webpack_require__(4768);
;// CONCATENATED MODULE: ./src/crypto.ts

/**
 * Seals `value` for a GitHub secrets public key (libsodium sealed box). GitHub reads standard,
 * padded base64; libsodium's default variant is URL-safe and would be rejected.
 */
async function sealForGitHub(value, publicKeyBase64) {
    await libsodium_wrappers/* default.ready */.Ay.ready;
    const publicKey = libsodium_wrappers/* default.from_base64 */.Ay.from_base64(publicKeyBase64, libsodium_wrappers/* default.base64_variants */.Ay.base64_variants.ORIGINAL);
    if (publicKey.length !== libsodium_wrappers/* default */.Ay.crypto_box_PUBLICKEYBYTES) {
        throw new Error(`public key has ${publicKey.length} bytes, expected ${libsodium_wrappers/* default */.Ay.crypto_box_PUBLICKEYBYTES}`);
    }
    const sealed = libsodium_wrappers/* default */.Ay.crypto_box_seal(libsodium_wrappers/* default.from_string */.Ay.from_string(value), publicKey);
    return libsodium_wrappers/* default.to_base64 */.Ay.to_base64(sealed, libsodium_wrappers/* default.base64_variants */.Ay.base64_variants.ORIGINAL);
}

// EXTERNAL MODULE: ./src/format.ts
var format = __webpack_require__(6264);
// EXTERNAL MODULE: ./src/targets.ts
var targets = __webpack_require__(8993);
// EXTERNAL MODULE: ./src/untrusted.ts
var untrusted = __webpack_require__(873);
;// CONCATENATED MODULE: ./src/github/secrets.ts






/** One PUT of a pair failed after the other succeeded. */
class HalfWritten extends Error {
    written;
    cause;
    constructor(written, cause) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.written = written;
        this.cause = cause;
        this.name = 'HalfWritten';
    }
    get status() {
        return (0,errors/* statusOf */.c2)(this.cause);
    }
}
/**
 * GitHub's permission docs list Codespaces-secrets permissions for Apps, but its OpenAPI
 * description (@octokit/openapi 23) marks the public-key reads and every organization
 * Codespaces-secrets endpoint `enabledForGitHubApps: false`.
 */
const APPS_AND_CODESPACES = "but GitHub's API description says GitHub Apps cannot call some Codespaces-secrets endpoints: use a fine-grained PAT";
/**
 * Each kind of target: its secrets collection in the REST API, and the permission a token needs
 * there (fine-grained PAT name, GitHub App name).
 */
const KINDS = {
    repository: {
        base: '/repos/{owner}/{repo}/actions/secrets',
        pat: 'repository permission "Secrets',
        app: 'secrets'
    },
    // Octokit percent-encodes each parameter, so any environment name is one path segment.
    environment: {
        base: '/repos/{owner}/{repo}/environments/{environment_name}/secrets',
        pat: 'repository permission "Environments',
        app: 'environments'
    },
    dependabot: {
        base: '/repos/{owner}/{repo}/dependabot/secrets',
        pat: 'repository permission "Dependabot secrets',
        app: 'dependabot_secrets'
    },
    codespaces: {
        base: '/repos/{owner}/{repo}/codespaces/secrets',
        pat: 'repository permission "Codespaces secrets',
        app: `codespaces_secrets; ${APPS_AND_CODESPACES}`
    },
    organization: {
        base: '/orgs/{org}/actions/secrets',
        pat: 'organization permission "Secrets',
        app: 'organization_secrets'
    },
    'dependabot-org': {
        base: '/orgs/{org}/dependabot/secrets',
        pat: 'organization permission "Organization dependabot secrets',
        app: 'organization_dependabot_secrets'
    },
    'codespaces-org': {
        base: '/orgs/{org}/codespaces/secrets',
        pat: 'organization permission "Organization codespaces secrets',
        app: `organization_codespaces_secrets; ${APPS_AND_CODESPACES}`
    }
};
function scopeOf(target) {
    const base = KINDS[target.kind].base;
    if ('org' in target)
        return { base, params: { org: target.org }, org: true };
    return {
        base,
        params: {
            owner: target.owner,
            repo: target.repo,
            ...(target.kind === 'environment' ? { environment_name: target.environment } : {})
        },
        org: false
    };
}
/** GitHub's largest page. */
const REPOSITORIES_PER_PAGE = 100;
/** Preflight: the target's public key, read before anything in AWS changes. */
async function prepareTarget(octokit, target) {
    const name = (0,targets/* describeTarget */.ff)(target);
    return { target, name, publicKey: await readPublicKey(octokit, { target, name }) };
}
async function readPublicKey(octokit, prepared) {
    const scope = scopeOf(prepared.target);
    try {
        const { data } = await octokit.request(`GET ${scope.base}/public-key`, scope.params);
        const key = data;
        return { keyId: key.key_id, key: key.key };
    }
    catch (error) {
        throw await explainMissing(octokit, prepared.target, prepared.name, error, 'read the public key of');
    }
}
/**
 * Why a read failed with 404: the repository, the environment or the organization is missing
 * or hidden from the token. One more read tells which, so the message can name it.
 */
async function explainMissing(octokit, target, name, error, doing) {
    if ((0,errors/* statusOf */.c2)(error) !== 404 || target.kind !== 'environment') {
        return explain(target, name, error, doing);
    }
    try {
        await octokit.rest.repos.get({ owner: target.owner, repo: target.repo });
    }
    catch {
        return explain(target, name, error, doing);
    }
    return new errors/* TargetError */.I0(name, `Environment '${target.environment}' does not exist in ${target.owner}/${target.repo} (404). ` +
        'The action does not create environments: create it in the repository settings, or fix the target.', 404);
}
/**
 * Writes both secrets of a target. A 422 can mean the scope's key pair changed since preflight:
 * the key is read once more and the pair written again.
 */
async function writeSecrets(octokit, orgSecretVisibility, prepared, secrets) {
    const putAll = () => putPair(octokit, orgSecretVisibility, prepared, secrets);
    try {
        await putAll();
    }
    catch (first) {
        if ((0,errors/* statusOf */.c2)(first) !== 422)
            throw explain(prepared.target, prepared.name, first, 'write secrets to');
        try {
            prepared.publicKey = await readPublicKey(octokit, prepared);
            await putAll();
        }
        catch (second) {
            // A secret either attempt wrote holds the new value; the others hold what they held.
            const written = [first, second].flatMap(error => error instanceof HalfWritten ? error.written.split(', ') : []);
            // Each secret written by one attempt or the other: the target holds the whole new pair.
            if (secrets.every(secret => written.includes(secret.name)))
                return;
            if (written.length > 0) {
                const cause = second instanceof HalfWritten ? second.cause : second;
                const halfWritten = new HalfWritten([...new Set(written)].join(', '), cause);
                throw explain(prepared.target, prepared.name, halfWritten, 'write secrets to');
            }
            if (second instanceof errors/* TargetError */.I0)
                throw second;
            throw explain(prepared.target, prepared.name, second, 'write secrets to');
        }
    }
}
/** Seals and PUTs both secrets with the target's current public key. */
async function putPair(octokit, orgSecretVisibility, prepared, secrets) {
    const scope = scopeOf(prepared.target);
    const key = prepared.publicKey;
    // Sealed once per scope and public key, for both secrets.
    const sealed = await Promise.all(secrets.map(secret => sealForGitHub(secret.value, key.key)));
    const access = scope.org ? await orgAccessFor(octokit, orgSecretVisibility, scope, secrets) : [];
    // Both PUTs at once: a run queued between them would read a mismatched pair.
    const pair = new PutPair(secrets.length);
    const outcomes = await Promise.allSettled(secrets.map((secret, index) => octokit.request(`PUT ${scope.base}/{secret_name}`, {
        ...scope.params,
        secret_name: secret.name,
        encrypted_value: sealed[index] ?? '',
        key_id: key.keyId,
        ...access[index],
        request: { [PAIR]: pair.member(index) }
    })));
    const failed = outcomes.find(outcome => outcome.status === 'rejected');
    if (!failed)
        return;
    const written = secrets.filter((_, index) => outcomes[index]?.status === 'fulfilled');
    if (written.length > 0)
        throw new HalfWritten(written.map(secret => secret.name).join(', '), failed.reason);
    throw failed.reason;
}
/**
 * The access each organization secret of the pair is written with: its own, kept. A new
 * secret takes its partner's visibility, so both reach the same repositories; with neither,
 * org-secret-visibility decides.
 */
async function orgAccessFor(octokit, orgSecretVisibility, scope, secrets) {
    const current = await Promise.all(secrets.map(secret => readOrgAccess(octokit, scope, secret.name)));
    const partner = current.find(found => found !== undefined);
    return current.map(found => found ?? partner ?? { visibility: orgSecretVisibility });
}
/** A secret's metadata (GET {collection}/{secret_name}, never a value); undefined: no such secret. */
async function readSecretMetadata(octokit, scope, secretName) {
    try {
        const { data } = await octokit.request(`GET ${scope.base}/{secret_name}`, {
            ...scope.params,
            secret_name: secretName
        });
        return data;
    }
    catch (error) {
        if ((0,errors/* statusOf */.c2)(error) === 404)
            return undefined;
        throw error;
    }
}
/**
 * When a secret of the target was last written: GitHub's updated_at (ms). Undefined when the
 * secret does not exist; a read GitHub refuses, or an answer without a time, throws.
 */
async function readSecretUpdatedAt(octokit, target, secretName) {
    const found = await readSecretMetadata(octokit, scopeOf(target), secretName);
    if (!found)
        return undefined;
    const updatedAt = typeof found.updated_at === 'string' ? Date.parse(found.updated_at) : NaN;
    if (Number.isNaN(updatedAt))
        throw new Error("GitHub's answer has no readable updated_at");
    return updatedAt;
}
/** The visibility of an organization secret as it is now, so the write keeps it. */
async function readOrgAccess(octokit, scope, secretName) {
    const found = await readSecretMetadata(octokit, scope, secretName);
    if (!found)
        return undefined;
    const visibility = found.visibility;
    if (visibility !== 'selected')
        return { visibility };
    // Every page: a PUT with a partial list would drop the rest of the selection.
    const ids = [];
    for (let page = 1;; page++) {
        const { data } = await octokit.request(`GET ${scope.base}/{secret_name}/repositories`, {
            ...scope.params,
            secret_name: secretName,
            per_page: REPOSITORIES_PER_PAGE,
            page
        });
        const { total_count: total, repositories } = data;
        ids.push(...repositories.map(repo => repo.id));
        if (repositories.length < REPOSITORIES_PER_PAGE || ids.length >= total)
            break;
    }
    return { visibility, selected_repository_ids: ids };
}
/** What the token needs for a target: the fine-grained PAT permission and the GitHub App one. */
function permissionFor(target) {
    const { pat, app } = KINDS[target.kind];
    return `the ${pat}: read and write" (fine-grained PAT; GitHub App: ${app})`;
}
/** A primary limit names its reset time; a secondary one was waited out up to 4 times. */
function rateLimitAdvice(error) {
    const headers = error
        .response?.headers;
    const reset = Number(headers?.['x-ratelimit-reset']);
    if (headers?.['x-ratelimit-remaining'] === '0' && reset > 0) {
        return `the token's hourly API budget is spent until ${(0,format/* isoTime */.Ly)(reset * 1000)}, longer than the action waits; run again after that, or use a GitHub App token (higher limits)`;
    }
    if (error instanceof RateLimitGiveUp) {
        return `${error.message}; the next run writes what is left (raise rate-limit-budget, or use one organization secret instead of many repository secrets)`;
    }
    return 'GitHub kept rate-limiting the token after the action waited as asked; run again later, or spread the targets over more runs';
}
/** A target's failure in words: what failed, and what a person does about it. */
function explain(target, name, error, doing) {
    if (error instanceof HalfWritten) {
        const inner = explain(target, name, error.cause, doing);
        // What the target holds in the end is the caller's to say: it may set the pair back.
        return new errors/* TargetError */.I0(name, `${inner.message} Only ${error.written} was written.`, inner.status, error.written);
    }
    const status = (0,errors/* statusOf */.c2)(error);
    // GitHub's own words, printed in the log and the summary.
    const message = (0,untrusted/* apiText */.AX)(error instanceof Error ? error.message : String(error));
    const where = 'org' in target ? `organization ${target.org}` : `repository ${(0,targets/* repositoryOf */._M)(target) ?? ''}`;
    const fix = status === 401
        ? 'the github-token was rejected (expired or revoked?); create a new token and update the secret that holds it'
        : error instanceof RateLimitGiveUp ||
            ((status === 403 || status === 429) && /rate limit/i.test(message))
            ? rateLimitAdvice(error)
            : status === 403
                ? `the github-token may not do this. It needs ${permissionFor(target)}. The workflow GITHUB_TOKEN cannot write secrets`
                : status === 404
                    ? `the ${where} does not exist or the github-token cannot see it; check the target and the token's access`
                    : status === 422
                        ? 'GitHub refused the encrypted value'
                        : 'GitHub did not answer as expected';
    return new errors/* TargetError */.I0(name, `Could not ${doing} ${name} (${status ?? 'no response'}: ${message}): ${fix}.`, status);
}

;// CONCATENATED MODULE: ./src/leaks/alerts-api.ts



/**
 * GitHub secret scanning, as the leak check needs it (GitHub's REST API, version 2022-11-28;
 * operations secret-scanning/list-alerts-for-repo, list-alerts-for-org and update-alert):
 * - `GET /repos/{owner}/{repo}/secret-scanning/alerts` and `GET /orgs/{org}/secret-scanning/alerts`
 *   with `state=open`, `secret_type` a comma-separated list, `per_page` at most 100; the answer
 *   is an array, newest first, paged by the Link header. The organization list adds each
 *   alert's `repository`.
 * - AWS keys are the types `aws_access_key_id` (the alert's `secret` is the key id) and
 *   `aws_secret_access_key` (the secret access key itself). An alert's `secret` is a live
 *   credential: the caller's `mask` sees every value before anything else does.
 * - 404: secret scanning is off for the repository or organization, or not on its plan;
 *   403: the token lacks the permission "Secret scanning alerts" (read; write to resolve), or
 *   is not an administrator / security manager where the organization list needs one.
 * - `PATCH .../alerts/{alert_number}` with `state: resolved`, `resolution: revoked` and a
 *   `resolution_comment`.
 */
const AWS_SECRET_TYPES = ['aws_access_key_id', 'aws_secret_access_key'];
/** Alerts on the paced client; `mask` hides each secret value in the log as soon as it arrives. */
function octokitAlerts(octokit, mask) {
    return {
        listOpenAwsAlerts: place => listOpen(octokit, place, mask),
        resolveRevoked: (repository, number, comment) => resolveRevoked(octokit, repository, number, comment)
    };
}
async function listOpen(octokit, place, mask) {
    const query = { state: 'open', secret_type: AWS_SECRET_TYPES.join(','), per_page: 100 };
    try {
        const alerts = [];
        let skipped = 0;
        const pages = 'org' in place
            ? octokit.paginate.iterator('GET /orgs/{org}/secret-scanning/alerts', {
                org: place.org,
                ...query
            })
            : octokit.paginate.iterator('GET /repos/{owner}/{repo}/secret-scanning/alerts', {
                ...splitRepository(place.repository),
                ...query
            });
        for await (const { data } of pages) {
            // Each entry on its own: one malformed alert must not cost the page its valid ones.
            for (const raw of data) {
                const alert = toAlert(raw, place, mask);
                if (alert)
                    alerts.push(alert);
                else
                    skipped += 1;
            }
        }
        return { kind: 'alerts', alerts, ...(skipped > 0 ? { skipped } : {}) };
    }
    catch (error) {
        const status = (0,errors/* statusOf */.c2)(error);
        if (status === 404)
            return { kind: 'off' };
        if (status === 403)
            return { kind: 'forbidden' };
        return { kind: 'failed', status, message: error instanceof Error ? error.message : '' };
    }
}
/**
 * An entry of GitHub's answer as an alert, or undefined when it is not one the check can use:
 * not an object, no positive whole number (resolving needs it), or a type or value that is not
 * text (a URL that is not text is only left out). A value long enough to be a secret is masked
 * first, whatever else is wrong; a shorter one is not (see MIN_MASKED_LENGTH).
 */
function toAlert(raw, place, mask) {
    if (typeof raw !== 'object' || raw === null)
        return undefined;
    const alert = raw;
    const { number, secret, secret_type: secretType, html_url: htmlUrl } = alert;
    for (const part of (0,untrusted/* maskable */.dm)(secret))
        mask(part);
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0)
        return undefined;
    if (typeof secret !== 'string' || secret === '' || typeof secretType !== 'string')
        return undefined;
    const fullName = alert.repository?.full_name;
    return {
        number,
        repository: 'repository' in place
            ? place.repository
            : typeof fullName === 'string'
                ? fullName
                : place.org,
        htmlUrl: typeof htmlUrl === 'string' ? htmlUrl : '',
        secretType,
        secret
    };
}
async function resolveRevoked(octokit, repository, number, comment) {
    try {
        await octokit.request('PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}', {
            ...splitRepository(repository),
            alert_number: number,
            state: 'resolved',
            resolution: 'revoked',
            resolution_comment: comment
        });
        return 'resolved';
    }
    catch (error) {
        const status = (0,errors/* statusOf */.c2)(error);
        if (status === 403)
            return 'forbidden';
        // 404: the alert, or scanning, is gone. (A 400 may be a resolution someone else made
        // meanwhile or a comment GitHub refuses: reported, not guessed.)
        if (status === 404)
            return 'gone';
        return 'failed';
    }
}

;// CONCATENATED MODULE: ./src/github/issues.ts


function octokitIssues(octokit) {
    return {
        async listOpen(repository, label) {
            const issues = [];
            const pages = octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', {
                ...splitRepository(repository),
                state: 'open',
                labels: label,
                per_page: 100
            });
            for await (const { data } of pages) {
                for (const raw of data) {
                    if (raw.pull_request)
                        continue;
                    issues.push(toIssue(raw));
                }
            }
            return issues.sort((a, b) => a.number - b.number);
        },
        async listRecent(repository) {
            const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues', {
                ...splitRepository(repository),
                state: 'open',
                per_page: 100
            });
            return data
                .filter(raw => !raw.pull_request)
                .map(toIssue)
                .reverse();
        },
        async create(repository, issue) {
            const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues', {
                ...splitRepository(repository),
                ...issue
            });
            return toIssue(data);
        },
        async update(repository, number, change) {
            await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
                ...splitRepository(repository),
                issue_number: number,
                ...change
            });
        },
        async close(repository, number) {
            await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
                ...splitRepository(repository),
                issue_number: number,
                state: 'closed'
            });
        },
        async comment(repository, number, body) {
            await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
                ...splitRepository(repository),
                issue_number: number,
                body
            });
        }
    };
}
function toIssue(raw) {
    return {
        number: raw.number,
        title: raw.title,
        body: raw.body ?? '',
        // Printed in a notice and set as an output: GitHub's text, made printable.
        htmlUrl: (0,untrusted/* apiText */.AX)(raw.html_url),
        labels: raw.labels.map(label => (typeof label === 'string' ? label : (label.name ?? '')))
    };
}

;// CONCATENATED MODULE: ./src/github/workflows.ts




/** Whether a workflow run attempt is still going, as far as the token may see. */
async function readRunState(octokit, repository, runId, attempt) {
    const { owner, repo } = splitRepository(repository);
    if (!owner || !repo)
        return 'unknown';
    try {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}', { owner, repo, run_id: Number(runId), attempt_number: Number(attempt) });
        return data.status === 'completed' ? 'finished' : 'running';
    }
    catch {
        // No Actions read permission, another repository, or a deleted run: the lease decides.
        return 'unknown';
    }
}
/** A run as the gate reads it; what it prints (URL, status, conclusion) is made printable here. */
function toRun(data) {
    const run = data;
    return {
        id: run.id,
        status: (0,untrusted/* apiText */.AX)(run.status ?? 'queued'),
        conclusion: typeof run.conclusion === 'string' ? (0,untrusted/* apiText */.AX)(run.conclusion) : null,
        htmlUrl: (0,untrusted/* apiText */.AX)(run.html_url),
        displayTitle: run.display_title ?? ''
    };
}
const RUNS_PER_PAGE = 20;
async function notFoundAsUndefined(call) {
    try {
        return await call();
    }
    catch (error) {
        if ((0,errors/* statusOf */.c2)(error) === 404)
            return undefined;
        throw error;
    }
}
/** The Actions API calls of the smoke gate. */
function octokitWorkflows(octokit) {
    return {
        getWorkflow: (repository, file) => notFoundAsUndefined(async () => {
            const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}', { ...splitRepository(repository), workflow_id: file });
            return { id: data.id, name: data.name, path: data.path, state: (0,untrusted/* apiText */.AX)(data.state) };
        }),
        async defaultBranch(repository) {
            const { data } = await octokit.request('GET /repos/{owner}/{repo}', splitRepository(repository));
            return data.default_branch;
        },
        readFile: (repository, path, ref) => readFile(octokit, repository, path, ref),
        async enable(repository, file) {
            await octokit.request('PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable', {
                ...splitRepository(repository),
                workflow_id: file
            });
        },
        dispatch: (repository, file, request) => dispatch(octokit, repository, file, request),
        async getRun(repository, runId) {
            const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
                ...splitRepository(repository),
                run_id: runId
            });
            return toRun(data);
        },
        workflowOfRun: (repository, runId, attempt) => notFoundAsUndefined(async () => {
            const { data: run } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}', { ...splitRepository(repository), run_id: Number(runId), attempt_number: Number(attempt) });
            const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}', { ...splitRepository(repository), workflow_id: run.workflow_id });
            return { id: data.id, name: data.name, path: data.path, state: data.state };
        }),
        listDispatchedRuns: (repository, file, since) => listDispatchedRuns(octokit, repository, file, since)
    };
}
function readFile(octokit, repository, path, ref) {
    return notFoundAsUndefined(async () => {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
            ...splitRepository(repository),
            path,
            ref
        });
        const file = data;
        if (file.type !== 'file' || file.encoding !== 'base64' || file.content === undefined)
            return undefined;
        return Buffer.from(file.content, 'base64').toString('utf8');
    });
}
async function dispatch(octokit, repository, file, request) {
    // plugin-retry may send this again after a 5xx or a timeout: at worst a second smoke run,
    // which proves the same thing; the action follows the one GitHub names.
    const response = await octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
        ...splitRepository(repository),
        workflow_id: file,
        ref: request.ref,
        inputs: request.inputs,
        ...(request.returnRunDetails ? { return_run_details: true } : {})
    });
    const runId = response.data?.workflow_run_id;
    return typeof runId === 'number' ? { runId } : undefined;
}
async function listDispatchedRuns(octokit, repository, file, since) {
    const created = (0,format/* isoTime */.Ly)(since);
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', {
        ...splitRepository(repository),
        workflow_id: file,
        event: 'workflow_dispatch',
        created: `>=${created}`,
        per_page: RUNS_PER_PAGE
    });
    return data.workflow_runs.map(toRun);
}

;// CONCATENATED MODULE: ./src/github.ts






function createGitHub(options) {
    const stats = { requests: 0, rateLimited: 0, pausedMs: 0, peakInFlight: 0 };
    const { octokit, pacer } = pacedClient({ ...options, stats });
    return {
        stats: () => ({ ...stats }),
        outOfTime: () => pacer.exhausted(),
        workflows: octokitWorkflows(octokit),
        alerts: octokitAlerts(octokit, options.mask),
        issues: octokitIssues(octokit),
        runState: (repository, runId, attempt) => readRunState(octokit, repository, runId, attempt),
        prepare: target => prepareTarget(octokit, target),
        secretUpdatedAt: (target, secretName) => readSecretUpdatedAt(octokit, target, secretName),
        write: (prepared, secrets) => writeSecrets(octokit, options.orgSecretVisibility, prepared, secrets)
    };
}


/***/ })

};

//# sourceMappingURL=597.index.js.map