export const id = 422;
export const ids = [422,258];
export const modules = {

/***/ 2422:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  auditFleet: () => (/* binding */ auditFleet)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 18 modules
var core = __webpack_require__(6257);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/aws.ts
var src_aws = __webpack_require__(4258);
// EXTERNAL MODULE: ./src/format.ts
var format = __webpack_require__(6264);
// EXTERNAL MODULE: ./src/clock.ts
var clock = __webpack_require__(9373);
// EXTERNAL MODULE: ./src/duration.ts
var duration = __webpack_require__(7607);
// EXTERNAL MODULE: ./src/audit/inputs.ts
var inputs = __webpack_require__(6258);
;// CONCATENATED MODULE: ./src/audit/render.ts



const AUDIT_REPORT_VERSION = 1;
function countsOf(users) {
    const counts = {
        users: users.length,
        unread: users.filter(user => user.error !== undefined).length,
        inFlight: users.filter(user => user.rotation === 'in flight').length,
        clean: users.filter(user => user.error === undefined && user.findings.length === 0).length
    };
    for (const finding of inputs/* AUDIT_FINDINGS */.F) {
        counts[finding] = users.filter(user => user.findings.includes(finding)).length;
    }
    return counts;
}
/** The JSON report (schemas/audit-report.schema.json): short key ids, never a secret. */
function reportJson(audit, settings, maxAgeMs) {
    return JSON.stringify({
        version: AUDIT_REPORT_VERSION,
        generatedAt: (0,format/* isoTime */.Ly)(audit.generatedAt),
        account: audit.account,
        scope: scopeJson(settings.scope),
        thresholds: {
            maxAge: (0,duration/* formatDuration */.a)(maxAgeMs),
            unusedAfter: (0,duration/* formatDuration */.a)(settings.unusedAfterMs)
        },
        counts: countsOf(audit.users),
        users: audit.users
    }, null, 2);
}
function scopeJson(scope) {
    return scope.kind === 'path' ? { pathPrefix: scope.pathPrefix } : { userNames: scope.names };
}
/** The users whose findings audit-fail-on names, by finding. */
function failuresOf(users, failOn) {
    // Most urgent first, whatever order the input gave.
    return inputs/* AUDIT_FINDINGS */.F.filter(finding => failOn.includes(finding)).flatMap(finding => {
        const named = users.filter(user => user.findings.includes(finding)).map(user => user.userName);
        return named.length > 0 ? [{ finding, users: named }] : [];
    });
}
/** Past this many users the folded details stop: a step summary holds at most 1 MiB. */
const DETAILED_USERS = 1_000;
/** The step summary: one line per user, most urgent first, each user's keys folded below. */
function auditSummary(audit, settings) {
    const counts = countsOf(audit.users);
    const attention = audit.users.filter(user => user.error !== undefined || user.findings.length > 0);
    const lines = [
        `## AWS access keys audit: ${counts.users} user(s), ${attention.length} need attention`,
        '',
        `Account ${audit.account}, ${describeScope(settings.scope)}, at ${(0,format/* isoTime */.Ly)(audit.generatedAt)}. Nothing was changed.`,
        '',
        countLine(counts),
        '',
        '| User | Findings | Keys | Rotation | Next action |',
        '| --- | --- | --- | --- | --- |',
        ...audit.users.map(userRow),
        ''
    ];
    for (const user of audit.users.slice(0, DETAILED_USERS))
        lines.push(...userDetails(user));
    if (audit.users.length > DETAILED_USERS) {
        lines.push(`Details of ${audit.users.length - DETAILED_USERS} more user(s) are in audit-report.`, '');
    }
    return lines.join('\n');
}
function describeScope(scope) {
    return scope.kind === 'path'
        ? `users under ${scope.pathPrefix}`
        : `${scope.names.length} user(s) named`;
}
function countLine(counts) {
    const parts = inputs/* AUDIT_FINDINGS */.F.filter(finding => counts[finding] > 0).map(finding => `${finding} ${counts[finding]}`);
    if (counts.unread > 0)
        parts.unshift(`unreadable ${counts.unread}`);
    if (counts.inFlight > 0)
        parts.push(`in flight ${counts.inFlight}`);
    parts.push(`clean ${counts.clean}`);
    return parts.join(' · ');
}
function userRow(user) {
    const findings = user.error !== undefined
        ? '**unreadable**'
        : user.findings.map(f => `**${f}**`).join(', ') || '-';
    const keys = user.keys
        .map(key => cell(`${key.id} ${key.status === 'Active' ? '' : '(inactive) '}${key.ageDays}d`))
        .join('<br>') || 'none';
    return `| ${cell(user.userName)} | ${findings} | ${keys} | ${user.rotation} | ${cell(shorten(user.next, 200))} |`;
}
function userDetails(user) {
    const rows = user.keys.map(keyRow);
    const workflow = user.workflow
        ? `Last rotated by ${user.workflow.repository} (${user.workflow.path ?? 'workflow unknown'}): ${user.workflow.state}.`
        : 'No run of this action has marked this user.';
    return [
        `<details><summary>${escapeHtml(user.userName)}</summary>`,
        '',
        ...(rows.length > 0
            ? [
                '| Key | Status | Age | Last used | Marked as |',
                '| --- | --- | --- | --- | --- |',
                ...rows,
                ''
            ]
            : []),
        `Quarantine: ${user.quarantine}. ${workflow}`,
        ...(user.alerts.length > 0 ? ['', `Open alerts: ${user.alerts.map(cell).join(', ')}`] : []),
        '',
        `Next: ${cell(user.next)}`,
        '',
        '</details>',
        ''
    ];
}
function keyRow(key) {
    const used = key.lastUsed
        ? `${key.lastUsed.at.slice(0, 10)} ${key.lastUsed.service} ${key.lastUsed.region}`
        : 'never';
    return `| ${key.id} | ${key.status} | ${key.ageDays}d | ${cell(used)} | ${key.role} |`;
}
/** A table cell: no pipe or line break from text that came from AWS or GitHub. */
function cell(text) {
    return escapeHtml(text)
        .replace(/\|/g, '\\|')
        .replace(/[\r\n]+/g, ' ');
}
function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function shorten(text, max) {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// EXTERNAL MODULE: ./node_modules/p-limit/index.js + 1 modules
var p_limit = __webpack_require__(370);
// EXTERNAL MODULE: ./src/aws-errors.ts
var aws_errors = __webpack_require__(5148);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/leaks/scan.ts
var leaks_scan = __webpack_require__(3599);
// EXTERNAL MODULE: ./src/observe.ts
var observe = __webpack_require__(6583);
// EXTERNAL MODULE: ./src/plan.ts
var src_plan = __webpack_require__(2464);
// EXTERNAL MODULE: ./src/snapshot.ts
var snapshot = __webpack_require__(3911);
;// CONCATENATED MODULE: ./src/audit/findings.ts



const DAY_MS = 86_400_000;
/** A wait this long means the holder is stuck (the rotation's report says the same). */
const STUCK_AFTER_MS = DAY_MS;
function assessUser(input) {
    const { snapshot, plan } = input;
    const keys = snapshot.keys.map(key => auditedKey(key, plan.currentKeyId, input.now));
    const rotation = rotationState(snapshot, plan, input.now);
    const findings = findingsOf(input, rotation);
    const urgency = findings[0] === undefined ? restingRank(rotation) : inputs/* AUDIT_FINDINGS */.F.indexOf(findings[0]);
    return {
        userName: snapshot.userName,
        keys,
        findings,
        rotation,
        quarantine: snapshot.quarantine?.kind ?? 'unknown',
        alerts: (snapshot.leaks ?? []).flatMap(leak => leak.alerts.map(alert => alert.htmlUrl)),
        workflow: input.workflow,
        next: nextAction(plan),
        urgency
    };
}
/** A user that could not be read sorts first: nothing is known of it. */
function unreadUser(userName, problem) {
    // AWS's messages may name a key in full: people read ids shortened.
    const error = problem.replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,124}\b/g, format/* keyLabel */.w8);
    return {
        userName,
        keys: [],
        findings: [],
        rotation: 'idle',
        quarantine: 'unknown',
        alerts: [],
        workflow: null,
        next: `Could not read this user: ${error}`,
        urgency: -1,
        error
    };
}
function restingRank(rotation) {
    return inputs/* AUDIT_FINDINGS */.F.length + (rotation === 'in flight' ? 0 : 1);
}
function auditedKey(key, currentKeyId, now) {
    return {
        id: (0,format/* keyLabel */.w8)(key.id),
        status: key.status,
        createdAt: (0,format/* isoTime */.Ly)(key.createdAt),
        ageDays: Math.floor((now - key.createdAt) / DAY_MS),
        lastUsed: key.lastUsed
            ? { at: (0,format/* isoTime */.Ly)(key.lastUsed.at), service: key.lastUsed.service, region: key.lastUsed.region }
            : null,
        role: roleOf(key, currentKeyId)
    };
}
function roleOf(key, currentKeyId) {
    if (key.mark.kind !== 'ours')
        return 'unmanaged';
    const { mark } = key.mark;
    switch (mark.state) {
        case 'pending':
        case 'creating':
            return 'pending';
        case 'active':
            return key.id === currentKeyId ? 'current' : 'previous';
        case 'reactivated':
            return 'reactivated';
        case 'retired':
            // Active again by hand: a set-aside key is a person's now, a retired one reactivated.
            if (key.status === 'Active')
                return mark.orphan ? 'unmanaged' : 'reactivated';
            return mark.orphan ? 'set aside' : 'retired';
    }
}
/**
 * Waiting on a live run is in flight; a wait of a day is stuck, and so is what a dead run left
 * (a pending key or an intent the planner takes over, a half-written distribution).
 */
function rotationState(snapshot, plan, now) {
    if (plan.waiting !== undefined) {
        const since = plan.waitingSince ?? now;
        return now - since >= STUCK_AFTER_MS ? 'stuck' : 'in flight';
    }
    const pending = snapshot.keys.some(key => key.mark.kind === 'ours' && key.mark.mark.state === 'pending');
    const leftovers = plan.steps.some(step => LEFTOVER_STEPS.has(step.kind));
    return pending || snapshot.intents.length > 0 || leftovers ? 'stuck' : 'idle';
}
/** Steps that finish or undo what a dead run left behind. */
const LEFTOVER_STEPS = new Set([
    'retire-orphan',
    'clear-intent',
    'finish-distribution',
    'restore'
]);
function findingsOf(input, rotation) {
    const { snapshot, plan, now } = input;
    const active = snapshot.keys.filter(key => key.status === 'Active');
    const managed = snapshot.keys.some(key => key.mark.kind === 'ours');
    const unmanagedActive = active.filter(key => key.mark.kind !== 'ours');
    // The key the targets hold; when the planner cannot tell, every active key outside a rotation.
    const current = active.find(key => key.id === plan.currentKeyId);
    const judged = current ? [current] : rotation === 'in flight' ? [] : active;
    const found = {
        quarantined: snapshot.quarantine?.kind === 'quarantined',
        leaked: (snapshot.leaks ?? []).length > 0,
        stuck: rotation === 'stuck',
        refused: plan.refusal !== undefined,
        overdue: judged.some(key => now - key.createdAt > input.maxAgeMs),
        unscheduled: input.workflow !== null &&
            !['active', 'unknown', 'unreadable'].includes(input.workflow.state),
        'two-active': active.length === 2 && unmanagedActive.length > 0,
        'person-key': managed && unmanagedActive.length > 0,
        unmanaged: active.length > 0 && !managed,
        unused: active.some(key => isUnused(key, now, input.unusedAfterMs))
    };
    return inputs/* AUDIT_FINDINGS */.F.filter(finding => found[finding]);
}
/** Unused: old enough to have been used, and not used for the threshold. */
function isUnused(key, now, unusedAfterMs) {
    if (now - key.createdAt < unusedAfterMs)
        return false;
    return key.lastUsed === undefined || now - key.lastUsed.at >= unusedAfterMs;
}
/** The planner's own words: its refusal, its wait, its steps, or its first note. */
function nextAction(plan) {
    if (plan.refusal !== undefined)
        return `Refused: ${plan.refusal}`;
    if (plan.waiting !== undefined)
        return plan.waiting;
    if (plan.steps.length > 0)
        return plan.steps.map(step => (0,src_plan/* describeStep */.Ey)(step)).join('; ');
    return plan.notes[0] ?? 'Nothing due.';
}
/** The newest mark that names its run's repository: the run that last rotated the user. */
function lastRunOf(snapshot) {
    const marks = [
        ...snapshot.keys.flatMap(key => (key.mark.kind === 'ours' ? [key.mark.mark] : [])),
        ...snapshot.staleMarks.map(stale => stale.mark)
    ];
    return marks
        .filter(mark => mark.repository !== undefined && mark.runId !== undefined)
        .sort((a, b) => b.at - a.at)[0];
}

;// CONCATENATED MODULE: ./src/audit/run.ts








/** Users read at once: each is 4-6 IAM reads, so about a dozen requests in flight. */
const USERS_AT_ONCE = 4;
/** Reads every user in scope and judges it as a rotation run would; changes nothing. */
async function runAudit(ports, settings, audit) {
    const { aws } = ports;
    const identity = await aws.callerIdentity().catch((error) => {
        throw (0,observe/* explainCredentials */.U)(error, settings.awsRegion);
    });
    const caller = (0,snapshot/* parseCallerArn */.g)(identity.arn, identity.accountId);
    const listed = await listInScope(aws, audit);
    const limit = (0,p_limit/* default */.A)(USERS_AT_ONCE);
    const read = await Promise.all(listed.map(user => 'keys' in user ? user : limit(() => readUser(ports, caller, settings, user))));
    const snapshots = read.filter((user) => 'caller' in user);
    const leaks = await leaksOf(ports, settings, snapshots);
    const workflows = await workflowsOf(ports, snapshots);
    const now = ports.now();
    const users = read.map(user => 'caller' in user ? judge(user, leaks, workflows, settings, audit, now) : user);
    return { account: identity.accountId, users: sortByUrgency(users), generatedAt: now };
}
/** The users a path holds (ListUsers), or the ones named (GetUser: one that is gone is said). */
async function listInScope(aws, audit) {
    const { scope } = audit;
    if (scope.kind === 'path') {
        const users = await aws.listUsers(scope.pathPrefix);
        return users.map(user => ({ userName: user.userName, userArn: user.arn }));
    }
    const limit = (0,p_limit/* default */.A)(USERS_AT_ONCE);
    return Promise.all(scope.names.map(userName => limit(async () => {
        try {
            return { userName, userArn: await aws.getUserArn(userName) };
        }
        catch (error) {
            const gone = (0,aws_errors/* awsErrorCode */.J6)(error) === 'NoSuchEntity';
            return unreadUser(userName, gone ? 'no such IAM user' : (0,errors/* describeError */.Uc)(error));
        }
    })));
}
async function readUser(ports, caller, settings, user) {
    try {
        const observed = { ...user, signingKeyId: undefined };
        return await (0,observe/* observeUser */.Qp)(ports.aws, caller, observed, settings.run.runId, (repo, id, attempt) => ports.github.runState(repo, id, attempt));
    }
    catch (error) {
        return unreadUser(user.userName, (0,errors/* describeError */.Uc)(error));
    }
}
/**
 * One leak check for the whole fleet: where the targets live and where each user's rotation
 * ran (its marks name the repository), matched against every key id.
 */
async function leaksOf(ports, settings, snapshots) {
    if (settings.leakResponse === 'off' || snapshots.length === 0)
        return new Map();
    const ranIn = snapshots.flatMap(snapshot => {
        const [owner, repo] = lastRunOf(snapshot)?.repository?.split('/') ?? [];
        return owner && repo ? [{ kind: 'repository', owner, repo }] : [];
    });
    const targets = [...settings.targets, ...ranIn];
    const own = settings.run.repository.includes('/') ? settings.run.repository : undefined;
    const places = (0,leaks_scan/* alertPlaces */.jN)(targets, own);
    // The deploy repositories are not in the marks: each owner's organization list covers them,
    // where the token may read it (an owner or security manager); else its repositories are read.
    const ranOwners = ranIn.map(place => place.owner.toLowerCase());
    const owners = [...new Set([...(places.owners ?? []), ...ranOwners])].filter(owner => !places.orgs.includes(owner));
    const keyIds = snapshots.flatMap(snapshot => snapshot.keys.map(key => key.id));
    const scan = await (0,leaks_scan/* scanForLeaks */.$x)(ports.github.alerts, { ...places, owners }, keyIds, new Map());
    for (const notice of scan.notices)
        ports.notice(notice);
    return new Map(scan.leaks.map(leak => [leak.keyId, leak]));
}
/** The workflow of each user's last run, asked of GitHub once per run. */
async function workflowsOf(ports, snapshots) {
    const runs = new Map();
    for (const snapshot of snapshots) {
        const mark = lastRunOf(snapshot);
        if (!mark?.repository || !mark.runId)
            continue;
        const run = { repository: mark.repository, runId: mark.runId, attempt: mark.runAttempt ?? '1' };
        runs.set(runKey(run), run);
    }
    const limit = (0,p_limit/* default */.A)(USERS_AT_ONCE);
    const found = await Promise.all([...runs.values()].map(run => limit(async () => [runKey(run), await workflowOf(ports, run)])));
    return new Map(found);
}
async function workflowOf(ports, run) {
    try {
        const workflow = await ports.github.workflows.workflowOfRun(run.repository, run.runId, run.attempt);
        // 404: the run is no longer kept (GitHub keeps runs 90 days by default), or never was.
        return {
            repository: run.repository,
            path: workflow?.path ?? null,
            state: workflow?.state ?? 'unknown'
        };
    }
    catch {
        // Refused (no Actions read there) or failed: said once in a notice.
        return { repository: run.repository, path: null, state: 'unreadable' };
    }
}
function runKey(run) {
    return `${run.repository}#${run.runId}.${run.attempt}`;
}
function judge(snapshot, leaks, workflows, settings, audit, now) {
    const userLeaks = snapshot.keys.flatMap(key => {
        const leak = leaks.get(key.id);
        return leak ? [leak] : [];
    });
    const seen = { ...snapshot, leaks: userLeaks };
    const mark = lastRunOf(snapshot);
    const workflow = mark?.repository && mark.runId
        ? (workflows.get(runKey({
            repository: mark.repository,
            runId: mark.runId,
            attempt: mark.runAttempt ?? '1'
        })) ?? null)
        : null;
    return assessUser({
        snapshot: seen,
        plan: (0,src_plan/* plan */.et)(seen, settings, now),
        now,
        maxAgeMs: settings.maxAgeMs,
        unusedAfterMs: audit.unusedAfterMs,
        workflow
    });
}
function sortByUrgency(users) {
    return [...users].sort((a, b) => a.urgency - b.urgency || (a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0));
}

;// CONCATENATED MODULE: ./src/audit/main.ts









const REPORT_FILE = 'rotate-aws-access-keys-audit.json';
/** The audit mode: read every user in scope, report, and fail only on the findings asked for. */
async function auditFleet(settings, audit, github) {
    const aws = (0,src_aws/* createAuditAws */.l)(settings.awsRegion, settings.requestTimeoutMs);
    const signing = await aws.signingCredentials();
    core/* setSecret */.Pq(signing.secretAccessKey);
    if (signing.sessionToken)
        core/* setSecret */.Pq(signing.sessionToken);
    const ports = {
        aws,
        github: await github(),
        now: () => clock/* systemClock */.m.now(),
        notice: (message) => core/* notice */.lm(message)
    };
    const result = await runAudit(ports, settings, audit);
    const json = reportJson(result, audit, settings.maxAgeMs);
    const file = (0,external_node_path_.join)(process.env.RUNNER_TEMP || (0,external_node_os_.tmpdir)(), REPORT_FILE);
    await (0,promises_.writeFile)(file, `${json}\n`);
    core/* setOutput */.uH('audit-report', json);
    core/* setOutput */.uH('audit-report-file', file);
    core/* setOutput */.uH('audit-counts', JSON.stringify(countsOf(result.users)));
    if (process.env.GITHUB_STEP_SUMMARY)
        await core/* summary */.z.addRaw(auditSummary(result, audit)).write();
    const counts = countsOf(result.users);
    core/* info */.pq(`Audit: ${counts.users} user(s) read, ${counts.users - counts.clean} with findings; report in ${file}.`);
    const unread = result.users.flatMap(user => user.error === undefined ? [] : [`${user.userName} (${user.error})`]);
    if (unread.length > 0) {
        core/* warning */.$e(`Audit: could not read ${unread.length} user(s): ${(0,format/* someOf */.yU)(unread, 10, '; ')}`);
    }
    tellWhatWasUnknown(result.users);
    const failures = failuresOf(result.users, audit.failOn).map(({ finding, users }) => `${finding} (${users.length}: ${(0,format/* someOf */.yU)(users, 10)})`);
    // A user that could not be read cannot be vouched for: a scheduled audit turns red.
    if (audit.failOn.length > 0 && unread.length > 0) {
        failures.push(`unreadable (${unread.length}: ${(0,format/* someOf */.yU)(unread, 10)})`);
    }
    if (failures.length > 0) {
        core/* setFailed */.C1(`Audit: findings that audit-fail-on names: ${failures.join('; ')}. The step summary says what to do for each user.`);
    }
}
/** Reads that were refused cost the report a column: one notice each, saying what enables it. */
function tellWhatWasUnknown(users) {
    const read = users.filter(user => user.error === undefined);
    const noQuarantine = read.filter(user => user.quarantine === 'unknown').length;
    if (noQuarantine > 0) {
        core/* notice */.lm(`Audit: could not check AWS's quarantine of ${noQuarantine} user(s): grant iam:ListAttachedUserPolicies (policies/admin-rotation.json has it).`);
    }
    const noWorkflow = read.filter(user => user.workflow?.state === 'unreadable').length;
    if (noWorkflow > 0) {
        core/* notice */.lm(`Audit: could not tell whether the workflow of ${noWorkflow} user(s) still runs: give the token "Actions: read" on the repositories of their last runs.`);
    }
}


/***/ }),

/***/ 4258:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createAws: () => (/* binding */ createAws),
/* harmony export */   l: () => (/* binding */ createAuditAws)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6764);
/* harmony import */ var _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1695);
/* harmony import */ var _retry_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9809);
/* harmony import */ var _regions_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5374);
/* harmony import */ var _aws_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5148);





// The SDK's standard strategy (throttling, 5xx, resets, timeouts) with one more attempt than its
// default 3, and timeouts, which the SDK does not set by default.
function clientConfig(requestTimeoutMs) {
    return {
        maxAttempts: 4,
        requestHandler: {
            connectionTimeout: Math.min(5_000, requestTimeoutMs),
            requestTimeout: requestTimeoutMs
        }
    };
}
/**
 * After AWS last accepted a young key, its rejections are retried only this long: endpoints
 * that lag answer within seconds of one another (FACTS.md: typically 5 to 10 s in all).
 */
const ACCEPTED_KEY_GRACE_MS = 5_000;
/** Clients for the given credentials, or the SDK's default chain (env, OIDC web identity, ...). */
function createAws(region, requestTimeoutMs, credentials, youngKey) {
    const config = { ...clientConfig(requestTimeoutMs), ...(credentials ? { credentials } : {}) };
    const iam = new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .IAMClient */ .h8v({ ...config, region: (0,_regions_js__WEBPACK_IMPORTED_MODULE_0__/* .iamRegionFor */ .JW)(region) });
    // CreateAccessKey is not idempotent: an SDK retry after a timeout could make a second key whose
    // secret this run never sees. The lifecycle retries it itself, after removing such strays.
    const iamOnce = new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .IAMClient */ .h8v({ ...config, region: (0,_regions_js__WEBPACK_IMPORTED_MODULE_0__/* .iamRegionFor */ .JW)(region), maxAttempts: 1 });
    const sts = new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_3__/* .STSClient */ .iM({ ...config, region });
    if (youngKey) {
        const { clock } = youngKey;
        let acceptedAt;
        // Wraps the whole send (serialize, sign, the SDK's own retries), so each retry is signed anew.
        const retryYoungKey = next => async (args) => {
            // Once AWS accepted the key, a rejection soon means it was switched off, not propagation.
            const until = acceptedAt === undefined
                ? youngKey.deadline
                : Math.min(youngKey.deadline, acceptedAt + ACCEPTED_KEY_GRACE_MS);
            const answer = await (0,_retry_js__WEBPACK_IMPORTED_MODULE_4__/* .retryUntil */ .v6)(() => next(args), _retry_js__WEBPACK_IMPORTED_MODULE_4__/* .isYoungKeyRejection */ .PF, until, clock);
            acceptedAt = clock.now();
            return answer;
        };
        const options = { step: 'initialize', name: 'retryYoungKey' };
        iam.middlewareStack.add(retryYoungKey, options);
        sts.middlewareStack.add(retryYoungKey, options);
    }
    return sdkAws({ iam, iamOnce, sts }, region, requestTimeoutMs);
}
/**
 * Clients for the audit: hundreds of users' reads in a row meet IAM's throttling, so the SDK's
 * adaptive mode paces the client once AWS answers Throttling, with more attempts than a run's.
 */
function createAuditAws(region, requestTimeoutMs) {
    const config = { ...clientConfig(requestTimeoutMs), retryMode: 'adaptive', maxAttempts: 10 };
    const iam = new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .IAMClient */ .h8v({ ...config, region: (0,_regions_js__WEBPACK_IMPORTED_MODULE_0__/* .iamRegionFor */ .JW)(region) });
    const sts = new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_3__/* .STSClient */ .iM({ ...config, region });
    // Reads alone: the audit has no way to change anything in AWS.
    return sdkReads(iam, sts);
}
/** The Aws interface over the SDK clients: reads, writes, and the probes of a new key. */
function sdkAws(clients, region, requestTimeoutMs) {
    const { iam, iamOnce, sts } = clients;
    return {
        ...sdkReads(iam, sts),
        ...sdkWrites(iam, iamOnce),
        async probe(credentials) {
            const probeClient = new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_3__/* .STSClient */ .iM({
                ...clientConfig(requestTimeoutMs),
                region,
                credentials,
                maxAttempts: 1
            });
            try {
                const answer = await probeClient.send(new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_3__/* .GetCallerIdentityCommand */ .zI({}));
                return answer.Arn ?? '';
            }
            finally {
                probeClient.destroy();
            }
        },
        withYoungKey(credentials, deadline, clock) {
            return createAws(region, requestTimeoutMs, credentials, { deadline, clock });
        }
    };
}
/** What observing reads: nothing here changes AWS. */
function sdkReads(iam, sts) {
    return {
        async callerIdentity() {
            const answer = await sts.send(new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_3__/* .GetCallerIdentityCommand */ .zI({}));
            return { arn: answer.Arn ?? '', accountId: answer.Account ?? '' };
        },
        async signingCredentials() {
            const provider = iam.config.credentials;
            const resolved = await provider();
            return {
                accessKeyId: resolved.accessKeyId,
                secretAccessKey: resolved.secretAccessKey,
                ...(resolved.sessionToken ? { sessionToken: resolved.sessionToken } : {})
            };
        },
        async getUserArn(userName) {
            const answer = await iam.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .GetUserCommand */ .T3b({ UserName: userName }));
            return answer.User?.Arn ?? '';
        },
        listKeys: userName => listAllKeys(iam, userName),
        recheckKeys: userName => listAllKeys(iam, userName),
        async lastUse(accessKeyId) {
            const answer = await iam.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .GetAccessKeyLastUsedCommand */ .qRl({ AccessKeyId: accessKeyId }));
            const used = answer.AccessKeyLastUsed;
            if (!used?.LastUsedDate)
                return undefined;
            return {
                at: used.LastUsedDate.getTime(),
                service: used.ServiceName ?? 'N/A',
                region: used.Region ?? 'N/A'
            };
        },
        listTags: userName => listAllTags(iam, userName),
        attachedPolicyNames: userName => listAttachedPolicyNames(iam, userName),
        listUsers: pathPrefix => listUsersUnder(iam, pathPrefix)
    };
}
/** ListAttachedUserPolicies answers in pages; the SDK's paginator follows the Marker. */
async function listAttachedPolicyNames(iam, userName) {
    const names = [];
    for await (const page of (0,_aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .paginateListAttachedUserPolicies */ .RC9)({ client: iam }, { UserName: userName })) {
        for (const policy of page.AttachedPolicies ?? []) {
            if (policy.PolicyName)
                names.push(policy.PolicyName);
        }
    }
    return names;
}
/** Every access key of the user: ListAccessKeys answers in pages. */
async function listAllKeys(iam, userName) {
    const keys = [];
    for await (const page of (0,_aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .paginateListAccessKeys */ .YQh)({ client: iam }, { UserName: userName })) {
        for (const key of page.AccessKeyMetadata ?? []) {
            if (!key.AccessKeyId)
                continue;
            keys.push({
                id: key.AccessKeyId,
                status: key.Status === 'Active' ? 'Active' : 'Inactive',
                createdAt: key.CreateDate?.getTime() ?? 0
            });
        }
    }
    return keys;
}
/** Every tag of the user (the marks live there): ListUserTags answers in pages. */
async function listAllTags(iam, userName) {
    const tags = {};
    for await (const page of (0,_aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .paginateListUserTags */ .Ofk)({ client: iam }, { UserName: userName })) {
        for (const tag of page.Tags ?? []) {
            if (tag.Key !== undefined)
                tags[tag.Key] = tag.Value ?? '';
        }
    }
    return tags;
}
/** Every user under a path (ListUsers; 1,000 a page, the most IAM gives). */
async function listUsersUnder(iam, pathPrefix) {
    const users = [];
    const pages = (0,_aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .paginateListUsers */ .IVP)({ client: iam, pageSize: 1000 }, { PathPrefix: pathPrefix });
    for await (const page of pages) {
        for (const user of page.Users ?? []) {
            if (user.UserName && user.Arn) {
                users.push({ userName: user.UserName, arn: user.Arn, path: user.Path ?? '/' });
            }
        }
    }
    return users;
}
/** What the steps change: keys and the marks on the user. */
function sdkWrites(iam, iamOnce) {
    return {
        async createKey(userName) {
            const answer = await iamOnce.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .CreateAccessKeyCommand */ .hN({ UserName: userName }));
            const key = answer.AccessKey;
            if (!key?.AccessKeyId || !key.SecretAccessKey) {
                throw new Error('CreateAccessKey answered without a key');
            }
            return {
                accessKeyId: key.AccessKeyId,
                secretAccessKey: key.SecretAccessKey,
                createdAt: key.CreateDate?.getTime() ?? Date.now()
            };
        },
        async tag(userName, key, value) {
            await iam.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .TagUserCommand */ .pkA({ UserName: userName, Tags: [{ Key: key, Value: value }] }));
        },
        async untag(userName, key) {
            await iam.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .UntagUserCommand */ .KZ_({ UserName: userName, TagKeys: [key] }));
        },
        async untagMany(userName, keys) {
            // UntagUser takes at most 50 keys, as many as a user can hold.
            for (let i = 0; i < keys.length; i += 50) {
                await iam.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .UntagUserCommand */ .KZ_({ UserName: userName, TagKeys: keys.slice(i, i + 50) }));
            }
        },
        async setStatus(userName, accessKeyId, status) {
            await iam.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .UpdateAccessKeyCommand */ .SF3({ UserName: userName, AccessKeyId: accessKeyId, Status: status }));
        },
        async deleteKey(userName, accessKeyId) {
            try {
                await iam.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_2__/* .DeleteAccessKeyCommand */ .yq0({ UserName: userName, AccessKeyId: accessKeyId }));
            }
            catch (error) {
                // A retry after a timed-out delete finds the key gone: that is the outcome asked for.
                if ((0,_aws_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .awsErrorCode */ .J6)(error) !== 'NoSuchEntity')
                    throw error;
            }
        }
    };
}


/***/ }),

/***/ 370:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  A: () => (/* binding */ pLimit)
});

// UNUSED EXPORTS: limitFunction

;// CONCATENATED MODULE: ./node_modules/yocto-queue/index.js
/*
How it works:
`this.#head` is an instance of `Node` which keeps track of its current value and nests another instance of `Node` that keeps the value that comes after it. When a value is provided to `.enqueue()`, the code needs to iterate through `this.#head`, going deeper and deeper to find the last value. However, iterating through every single item is slow. This problem is solved by saving a reference to the last value as `this.#tail` so that it can reference it to add a new value.
*/

class Node {
	value;
	next;

	constructor(value) {
		this.value = value;
	}
}

class Queue {
	#head;
	#tail;
	#size;

	constructor() {
		this.clear();
	}

	enqueue(value) {
		const node = new Node(value);

		if (this.#head) {
			this.#tail.next = node;
			this.#tail = node;
		} else {
			this.#head = node;
			this.#tail = node;
		}

		this.#size++;
	}

	dequeue() {
		const current = this.#head;
		if (!current) {
			return;
		}

		this.#head = this.#head.next;
		this.#size--;

		// Clean up tail reference when queue becomes empty
		if (!this.#head) {
			this.#tail = undefined;
		}

		return current.value;
	}

	peek() {
		if (!this.#head) {
			return;
		}

		return this.#head.value;

		// TODO: Node.js 18.
		// return this.#head?.value;
	}

	clear() {
		this.#head = undefined;
		this.#tail = undefined;
		this.#size = 0;
	}

	get size() {
		return this.#size;
	}

	* [Symbol.iterator]() {
		let current = this.#head;

		while (current) {
			yield current.value;
			current = current.next;
		}
	}

	* drain() {
		while (this.#head) {
			yield this.dequeue();
		}
	}
}

;// CONCATENATED MODULE: ./node_modules/p-limit/index.js


function pLimit(concurrency) {
	let rejectOnClear = false;

	if (typeof concurrency === 'object') {
		({concurrency, rejectOnClear = false} = concurrency);
	}

	validateConcurrency(concurrency);

	if (typeof rejectOnClear !== 'boolean') {
		throw new TypeError('Expected `rejectOnClear` to be a boolean');
	}

	const queue = new Queue();
	let activeCount = 0;

	const resumeNext = () => {
		// Process the next queued function if we're under the concurrency limit
		if (activeCount < concurrency && queue.size > 0) {
			activeCount++;
			queue.dequeue().run();
		}
	};

	const next = () => {
		activeCount--;
		resumeNext();
	};

	const run = async (function_, resolve, arguments_) => {
		// Execute the function and capture the result promise
		const result = (async () => function_(...arguments_))();

		// Resolve immediately with the promise (don't wait for completion)
		resolve(result);

		// Wait for the function to complete (success or failure)
		// We catch errors here to prevent unhandled rejections,
		// but the original promise rejection is preserved for the caller
		try {
			await result;
		} catch {}

		// Decrement active count and process next queued function
		next();
	};

	const enqueue = (function_, resolve, reject, arguments_) => {
		const queueItem = {reject};

		// Queue the internal resolve function instead of the run function
		// to preserve the asynchronous execution context.
		new Promise(internalResolve => { // eslint-disable-line promise/param-names
			queueItem.run = internalResolve;
			queue.enqueue(queueItem);
		}).then(run.bind(undefined, function_, resolve, arguments_)); // eslint-disable-line promise/prefer-await-to-then

		// Start processing immediately if we haven't reached the concurrency limit
		if (activeCount < concurrency) {
			resumeNext();
		}
	};

	const generator = (function_, ...arguments_) => new Promise((resolve, reject) => {
		enqueue(function_, resolve, reject, arguments_);
	});

	Object.defineProperties(generator, {
		activeCount: {
			get: () => activeCount,
		},
		pendingCount: {
			get: () => queue.size,
		},
		clearQueue: {
			value() {
				if (!rejectOnClear) {
					queue.clear();
					return;
				}

				const abortError = AbortSignal.abort().reason;

				while (queue.size > 0) {
					queue.dequeue().reject(abortError);
				}
			},
		},
		concurrency: {
			get: () => concurrency,

			set(newConcurrency) {
				validateConcurrency(newConcurrency);
				concurrency = newConcurrency;

				queueMicrotask(() => {
					// eslint-disable-next-line no-unmodified-loop-condition
					while (activeCount < concurrency && queue.size > 0) {
						resumeNext();
					}
				});
			},
		},
		map: {
			async value(iterable, function_) {
				const promises = [];

				try {
					Array.from(iterable, (value, index) => {
						const promise = generator(function_, value, index);
						promises.push(promise);
						return promise;
					});
				} catch (error) {
					// The iterable threw, so `Promise.all` never observes the already scheduled promises. Observe them here to avoid unhandled rejections.
					for (const promise of promises) {
						promise.catch(() => {}); // eslint-disable-line promise/prefer-await-to-then
					}

					throw error;
				}

				return Promise.all(promises);
			},
		},
	});

	return generator;
}

function limitFunction(function_, options) {
	const limit = pLimit(options);

	const limitedFunction = (...arguments_) => limit(() => function_(...arguments_));
	Object.defineProperty(limitedFunction, 'clearQueue', {
		value: limit.clearQueue,
	});

	return limitedFunction;
}

function validateConcurrency(concurrency) {
	if (!((Number.isInteger(concurrency) || concurrency === Number.POSITIVE_INFINITY) && concurrency > 0)) {
		throw new TypeError('Expected `concurrency` to be a number from 1 and up');
	}
}


/***/ })

};

//# sourceMappingURL=422.index.js.map