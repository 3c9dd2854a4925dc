import { formatDuration } from './duration.js'

/**
 * How a key id appears in text meant for people: the ids are masked in the log (the runner hides
 * secrets, and the action masks every key it creates), so the full id would print as ***. The
 * prefix and the last four characters are enough to find the key in the IAM console.
 */
export function keyLabel(accessKeyId: string): string {
  return accessKeyId.length > 8
    ? `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`
    : accessKeyId
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `3d4h` old, for ages and waits; rounds to whole units that matter to a reader. */
export function age(ms: number): string {
  if (ms < 60_000) return formatDuration(Math.max(ms, 0))
  if (ms < 86_400_000) return formatDuration(Math.floor(ms / 60_000) * 60_000)
  return formatDuration(Math.floor(ms / 3_600_000) * 3_600_000)
}

/** "a, b, c and 4 more": at most `max` items named, the rest counted (`more` says how). */
export function someOf(
  items: readonly string[],
  max: number,
  separator = ', ',
  more = (count: number) => ` and ${count} more`
): string {
  const shown = items.slice(0, max).join(separator)
  return items.length > max ? `${shown}${more(items.length - max)}` : shown
}
