/** How the e2e property tests run: replayable by default, explorable on request. */
import type { Parameters } from 'fast-check'

/**
 * A fixed seed by default, so CI and a new checkout replay the same histories; PROPERTY_SEED=random
 * explores new ones, PROPERTY_SEED=N (and PROPERTY_PATH) replays a failure, PROPERTY_RUNS sets how
 * many.
 */
export function propertyRuns(defaultSeed: number, defaultRuns: number): Parameters<unknown> {
  const { PROPERTY_SEED, PROPERTY_PATH, PROPERTY_RUNS } = process.env
  return {
    numRuns: Number(PROPERTY_RUNS ?? defaultRuns),
    endOnFailure: true,
    ...(PROPERTY_SEED === 'random'
      ? {}
      : {
          seed: Number(PROPERTY_SEED ?? defaultSeed),
          ...(PROPERTY_PATH ? { path: PROPERTY_PATH } : {})
        })
  }
}
