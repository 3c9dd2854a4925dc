// Preloaded by the benchmark (node --require): writes the process's peak resident set size, in
// KiB, to BENCH_RSS_FILE when it exits.
const { writeFileSync } = require('node:fs')

process.on('exit', () => {
  const file = process.env.BENCH_RSS_FILE
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS))
})
