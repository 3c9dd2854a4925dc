export const id = 760;
export const ids = [760];
export const modules = {

/***/ 9760:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   checkSmokeWorkflow: () => (/* binding */ checkSmokeWorkflow),
/* harmony export */   runSmokeGate: () => (/* binding */ runSmokeGate)
/* harmony export */ });
/* unused harmony exports SmokeProblem, checkWorkflowText */
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8815);
/* harmony import */ var _duration_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7607);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3916);
/* harmony import */ var _retry_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9809);
/* harmony import */ var _untrusted_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(873);





/**
 * The smoke gate: a workflow that uses the rotated secrets, dispatched after every target holds
 * the new key and before the previous key is deactivated. This module checks it in preflight
 * and runs it; what the outcome means for the keys is the planner's and apply's business.
 */
/** The one input the action passes: it says which rotation started the run. */
const ROTATION_INPUT = 'rotation';
/** Why the gate cannot run; raised in preflight, before anything changes. */
class SmokeProblem extends Error {
    constructor(message) {
        super(`smoke-workflow: ${message}`);
        this.name = 'SmokeProblem';
    }
}
const PERMISSIONS = 'The github-token needs, on that repository, the permissions "Actions: read and write" and "Contents: read" (fine-grained PAT; GitHub App: actions write, contents read).';
/**
 * Preflight: the workflow exists and is enabled, declares a workflow_dispatch trigger with the
 * `rotation` input and no other required input, and the token may read it, dispatch it and read
 * its runs. (That some target feeds its repository is an input check, in settings.)
 */
async function checkSmokeWorkflow(api, workflow, 
/** false in a dry run: the probe is a (no-op) write, and a dry run writes nothing. */
probeDispatch = true) {
    const { repository, file } = workflow;
    const path = `.github/workflows/${file}`;
    const where = `${repository}/${path}`;
    const denied = (doing, error) => new SmokeProblem((0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .statusOf */ .c2)(error) === 403
        ? `the github-token may not ${doing} in ${repository} (${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .describeError */ .Uc)(error)}). ${PERMISSIONS}`
        : `could not ${doing} in ${repository}: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .describeError */ .Uc)(error)}`);
    const found = await api.getWorkflow(repository, file).catch((error) => {
        throw denied('read workflows', error);
    });
    if (!found) {
        throw new SmokeProblem(`${where} does not exist, or the github-token cannot see ${repository}. Check the file name (the action looks under .github/workflows) and the token's repository access.`);
    }
    if (found.state !== 'active') {
        throw new SmokeProblem(`${where} is ${spaced(found.state)}; GitHub does not dispatch a disabled workflow. Enable it in the repository's Actions tab.`);
    }
    const ref = workflow.ref ??
        (await api.defaultBranch(repository).catch((error) => {
            throw denied('read the repository', error);
        }));
    const text = await api.readFile(repository, path, ref).catch((error) => {
        throw denied('read the workflow file (Contents: read)', error);
    });
    if (text === undefined) {
        throw new SmokeProblem(`${path} does not exist on ${(0,_untrusted_js__WEBPACK_IMPORTED_MODULE_3__/* .apiText */ .AX)(ref)} in ${repository}; GitHub runs the workflow file of the dispatched ref.`);
    }
    // The default branch is GitHub's text: printable in the name, as it is in requests.
    const name = `${where}@${(0,_untrusted_js__WEBPACK_IMPORTED_MODULE_3__/* .apiText */ .AX)(ref)}`;
    const warnings = checkWorkflowText(text, name);
    // Enabling an enabled workflow changes nothing; it answers 403 without Actions write, which a
    // dispatch would need.
    if (probeDispatch) {
        await api.enable(repository, file).catch((error) => {
            throw denied('dispatch workflows (Actions: write)', error);
        });
    }
    return Object.freeze({ ...workflow, ref, name, warnings: Object.freeze(warnings) });
}
/** What the workflow file must say; returns warnings for what it should say. */
function checkWorkflowText(text, name) {
    let document;
    try {
        document = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qg)(text);
    }
    catch (error) {
        throw new SmokeProblem(`${name} is not valid YAML: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .describeError */ .Uc)(error)}`);
    }
    const workflow = (document ?? {});
    const triggers = workflow.on ?? workflow.true; // YAML 1.1 readers turn a bare `on` into true
    const dispatch = triggerConfig(triggers, 'workflow_dispatch');
    if (dispatch === undefined) {
        throw new SmokeProblem(`${name} has no workflow_dispatch trigger, so it cannot be dispatched. Add "on: workflow_dispatch" with the input "${ROTATION_INPUT}".`);
    }
    const inputs = (dispatch ?? {}).inputs ?? {};
    if (!(ROTATION_INPUT in inputs)) {
        throw new SmokeProblem(`${name} does not declare the workflow_dispatch input "${ROTATION_INPUT}", which the action passes (GitHub refuses undeclared inputs). Add: inputs: { ${ROTATION_INPUT}: { type: string } }.`);
    }
    const required = Object.entries(inputs).flatMap(([input, config]) => {
        const { required: isRequired, default: fallback } = (config ?? {});
        return input !== ROTATION_INPUT && isRequired === true && fallback === undefined ? [input] : [];
    });
    if (required.length > 0) {
        throw new SmokeProblem(`${name} has required inputs the action cannot fill: ${required.map(_untrusted_js__WEBPACK_IMPORTED_MODULE_3__/* .apiText */ .AX).join(', ')}. Give them defaults or make them optional.`);
    }
    const mentionsRotation = new RegExp(`inputs\\.${ROTATION_INPUT}\\b`);
    const runName = typeof workflow['run-name'] === 'string' ? workflow['run-name'] : '';
    const warnings = [];
    if (!mentionsRotation.test(runName)) {
        warnings.push(`${name} has no run-name with \${{ inputs.${ROTATION_INPUT} }}: readers of its run list cannot tell why it ran, and on GitHub Enterprise Server versions that do not return the run's id the action cannot find its run.`);
    }
    if (!mentionsRotation.test(JSON.stringify(workflow.jobs ?? {}))) {
        warnings.push(`${name} never compares the key it signs in with to inputs.${ROTATION_INPUT}: while both keys are active, a secret that still holds the previous key passes the gate too. See examples/smoke-test.yml for the check.`);
    }
    return warnings;
}
function triggerConfig(triggers, event) {
    if (triggers === event)
        return null;
    if (Array.isArray(triggers))
        return triggers.includes(event) ? null : undefined;
    if (triggers && typeof triggers === 'object' && event in triggers) {
        return triggers[event] ?? null;
    }
    return undefined;
}
// Polling: first look after half a second, each wait 1.3 times the last, at most 10 s. Measured
// (npm run bench): the gate adds 1.7 s to a 20 s smoke run, where x1.5 up to 15 s added 5 s; a
// 15-minute wait costs about 100 requests, far below any rate limit.
const FIRST_POLL_MS = 500;
const POLL_GROWTH = 1.3;
const MAX_POLL_MS = 10_000;
const NAP_MS = 1_000;
// Progress lines while nothing changes.
const PROGRESS_EVERY_MS = 60_000;
// Clock skew between the runner and GitHub when listing runs created since the dispatch.
const LIST_SKEW_MS = 60_000;
/** Dispatches the workflow, finds its run and waits for it to end. Never throws. */
async function runSmokeGate(context, rotation) {
    const { api, workflow, clock, log } = context;
    const startedAt = clock.now();
    const end = ender(clock, startedAt);
    let runId;
    let detailsRefused;
    try {
        ;
        ({ runId, detailsRefused } = await dispatch(api, workflow, rotation));
    }
    catch (error) {
        return end('not-dispatched', undefined, `dispatching ${workflow.name} failed: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .describeError */ .Uc)(error)}`);
    }
    log(`Dispatched ${workflow.name} (input ${ROTATION_INPUT}: ${rotation})${detailsRefused ? '; this GitHub does not return the run, so the action looks for it by its title' : ''}.`);
    return followRun(context, end, {
        rotation,
        startedAt,
        deadline: startedAt + context.timeoutMs,
        detailsRefused,
        runId,
        run: undefined,
        lastReadError: undefined,
        lastStatus: '',
        lastProgressAt: startedAt
    });
}
function ender(clock, startedAt) {
    return (conclusion, run, reason) => ({
        conclusion,
        run: run ? { id: run.id, htmlUrl: run.htmlUrl } : undefined,
        elapsedMs: clock.now() - startedAt,
        reason
    });
}
/** Polls the run until it completes, the gate times out or the run is cancelled. */
async function followRun(context, end, watch) {
    const { clock, log } = context;
    for (let poll = 0;; poll++) {
        try {
            await lookForRun(context, watch);
        }
        catch (error) {
            // A failed poll is not the smoke run failing: keep looking until the deadline.
            watch.lastReadError = (0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .describeError */ .Uc)(error);
            log(`Could not read the smoke run (${watch.lastReadError}); trying again.`);
        }
        const { run } = watch;
        if (run?.status === 'completed') {
            const conclusion = run.conclusion ?? 'unknown';
            log(`Smoke run ${run.htmlUrl} ended: ${conclusion} after ${(0,_duration_js__WEBPACK_IMPORTED_MODULE_1__/* .formatDuration */ .a)(clock.now() - watch.startedAt)}.`);
            return end(conclusion, run, conclusion === 'success' ? undefined : `the smoke run ended with "${conclusion}"`);
        }
        const now = clock.now();
        logProgress(context, watch, now);
        if (context.cancelled()) {
            return end('cancelled-here', run, 'this run was cancelled while it waited for the smoke run');
        }
        if (now >= watch.deadline)
            return gaveUp(context, end, watch);
        await napBeforePoll(context, poll, now, watch.deadline);
    }
}
/**
 * One look at the run: by its id, or, when GitHub did not name it, among the runs dispatched
 * since the gate started, by the rotation in its title. A failed read throws and leaves the
 * last run seen in place.
 */
async function lookForRun(context, watch) {
    const { api, workflow, log } = context;
    if (watch.runId !== undefined) {
        watch.run = await api.getRun(workflow.repository, watch.runId);
        return;
    }
    const runs = await api.listDispatchedRuns(workflow.repository, workflow.file, watch.startedAt - LIST_SKEW_MS);
    watch.run = runs.find(candidate => candidate.displayTitle.includes(watch.rotation));
    if (watch.run) {
        watch.runId = watch.run.id;
        log(`Found the smoke run ${watch.run.htmlUrl} by its title.`);
    }
}
/** A line when the run's status changes, and every so often while it does not. */
function logProgress(context, watch, now) {
    const { run } = watch;
    if (run && (run.status !== watch.lastStatus || now - watch.lastProgressAt >= PROGRESS_EVERY_MS)) {
        context.log(`Smoke run ${run.htmlUrl}: ${spaced(run.status)} (${(0,_duration_js__WEBPACK_IMPORTED_MODULE_1__/* .formatDuration */ .a)(now - watch.startedAt)} of smoke-timeout ${(0,_duration_js__WEBPACK_IMPORTED_MODULE_1__/* .formatDuration */ .a)(context.timeoutMs)}).`);
        watch.lastStatus = run.status;
        watch.lastProgressAt = now;
    }
}
/** smoke-timeout passed: a run left unfinished, or no run found (and why it may not be). */
function gaveUp(context, end, watch) {
    const { run } = watch;
    return run
        ? end('timeout', run, `the smoke run did not finish within smoke-timeout (${(0,_duration_js__WEBPACK_IMPORTED_MODULE_1__/* .formatDuration */ .a)(context.timeoutMs)}); it was left ${spaced(run.status)}`)
        : end('not-found', undefined, watch.detailsRefused
            ? `no run of ${context.workflow.name} titled with "${watch.rotation}" appeared within smoke-timeout: give the workflow a run-name with \${{ inputs.${ROTATION_INPUT} }}`
            : `the dispatched run could not be read within smoke-timeout${watch.lastReadError ? ` (last error: ${watch.lastReadError})` : ''}`);
}
/** Waits out the backoff before the next poll, never past the deadline. */
async function napBeforePoll(context, poll, now, deadline) {
    // In short naps: the runner kills a cancelled step a few seconds after asking it to stop.
    let wait = Math.min((0,_retry_js__WEBPACK_IMPORTED_MODULE_4__/* .backoff */ .JN)(poll, FIRST_POLL_MS, MAX_POLL_MS, POLL_GROWTH), Math.max(0, deadline - now));
    while (wait > 0 && !context.cancelled()) {
        const nap = Math.min(wait, NAP_MS);
        await context.clock.sleep(nap);
        wait -= nap;
    }
}
/**
 * Dispatches with return_run_details, so GitHub names the run; GitHub Enterprise Server before
 * February 2026 refuses the parameter, and is asked again without it.
 */
async function dispatch(api, workflow, rotation) {
    const request = { ref: workflow.ref, inputs: { [ROTATION_INPUT]: rotation } };
    try {
        const details = await api.dispatch(workflow.repository, workflow.file, {
            ...request,
            returnRunDetails: true
        });
        return { runId: details?.runId, detailsRefused: false };
    }
    catch (error) {
        const status = (0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .statusOf */ .c2)(error);
        if ((status !== 400 && status !== 422) || !/return_run_details/.test(String(error))) {
            throw error;
        }
        await api.dispatch(workflow.repository, workflow.file, { ...request, returnRunDetails: false });
        return { runId: undefined, detailsRefused: true };
    }
}
/** GitHub's `in_progress`, `disabled_manually` as words. */
function spaced(word) {
    return word.replace(/_/g, ' ');
}


/***/ })

};

//# sourceMappingURL=760.index.js.map