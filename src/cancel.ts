/**
 * The runner cancels a step with SIGINT, then SIGTERM, and only seconds later SIGKILL. Stopping at
 * once could leave a target with half of its two secrets written; instead the run finishes the
 * request in flight and stops at the next point where the state is one the next run knows.
 */
export interface Cancellation {
  requested(): boolean
  dispose(): void
}

export function watchCancellation(log: (message: string) => void): Cancellation {
  let requested = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!requested) log(`Received ${signal}: stopping at the next safe point.`)
    requested = true
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    requested: () => requested,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
