export const id = 258;
export const ids = [258];
export const modules = {

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


/***/ })

};

//# sourceMappingURL=258.index.js.map