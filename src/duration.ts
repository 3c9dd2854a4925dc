const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/** Parses `0`, `90d`, `1d12h`, `30m`, `45s` (units in this order, each at most once) into ms. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  if (trimmed === '0') return 0
  const match = DURATION.exec(trimmed)
  if (!match || trimmed === '') return undefined
  const [, d, h, m, s] = match
  const ms =
    Number(d ?? 0) * UNIT_MS.d +
    Number(h ?? 0) * UNIT_MS.h +
    Number(m ?? 0) * UNIT_MS.m +
    Number(s ?? 0) * UNIT_MS.s
  return Number.isSafeInteger(ms) ? ms : undefined
}

/** The inverse, for messages: 129600000 -> `1d12h`. */
export function formatDuration(ms: number): string {
  // Stryker disable next-line EqualityOperator: 0 ms also ends as '0s' below, so < and <= agree
  if (ms <= 0) return '0s'
  let rest = Math.round(ms / 1000) * 1000
  let text = ''
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const count = Math.floor(rest / size)
    if (count > 0) text += `${count}${unit}`
    rest -= count * size
  }
  return text || '0s'
}
