/**
 * Text the action did not write: values from GitHub's and AWS's answers. The runner reads a log
 * line that starts with `::` (after spaces) as a workflow command, and `##[` anywhere in a line as
 * the older form of one; core.info prints a value as it is, so an alert URL holding
 * "\n::warning::" would raise a warning, or worse an `::add-mask::` or `::stop-commands::`.
 */

// Line breaks, the other C0 and C1 controls, and Unicode's line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

/**
 * A value from an API as one inert piece of a line, for the log and the step summary: control
 * characters percent-encoded (a newline shows as %0A, as in a URL), a leading `::` and every
 * `##[` broken the same way.
 */
export function apiText(value: unknown): string {
  return String(value)
    .replace(CONTROL, encodeURIComponent)
    .replace(/^(\s*)::/, '$1%3A:')
    .replaceAll('##[', '##%5B')
}

/**
 * The shortest value the action masks. A mask hides every later occurrence of the value in the
 * log, so a one-character value ("e") would blank every e. No credential the action handles is
 * anywhere near this short (an AWS secret access key has 40 characters, an access key id 20, a
 * GitHub token 40 or more): a shorter value from an API is not a secret, only noise.
 */
export const MIN_MASKED_LENGTH = 8

/**
 * What to mask for `value`: its lines (the runner also masks each line of a value on its own)
 * that are long enough to be a secret; nothing for a value that is not a string.
 */
export function maskable(value: unknown): string[] {
  if (typeof value !== 'string') return []
  return value.split(/[\r\n]+/).filter(line => line.trim().length >= MIN_MASKED_LENGTH)
}
