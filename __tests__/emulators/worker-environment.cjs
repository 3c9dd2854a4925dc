/**
 * Jest's node environment, plus one cache that every test file run by the same worker shares.
 * Each test file gets a fresh realm, so a module-level cache is rebuilt for every file; GitHub's
 * OpenAPI description (13 MB of JSON) and its compiled validators cost about a second of CPU to
 * build and never change, so ./openapi.ts keeps them here. Nothing else may: tests stay isolated.
 */
const { TestEnvironment } = require('jest-environment-node')

const sharedByWorker = new Map()

class WorkerEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    this.global.openapiDescriptions = sharedByWorker
  }
}

module.exports = WorkerEnvironment
