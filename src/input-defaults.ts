// Generated from action.yml by scripts/input-defaults.ts (npm run bundle): edit action.yml.

/** The defaults, applied in code too: a bare `node dist/index.js` gets no action.yml defaults. */
export const INPUT_DEFAULTS = {
  'github-token': '',
  targets: '',
  'iam-user-name': '',
  'access-key-id-secret-name': 'AWS_ACCESS_KEY_ID',
  'secret-access-key-secret-name': 'AWS_SECRET_ACCESS_KEY',
  'max-age': '90d',
  force: 'false',
  'deactivate-after': '0',
  'delete-after': '7d',
  'verify-timeout': '2m',
  'dry-run': 'false',
  'aws-region': 'us-east-1',
  'expected-account-id': '',
  'export-credentials': 'false',
  'request-timeout': '30s',
  'org-secret-visibility': 'private',
  'github-api-url': '',
  'reactivate-previous': 'false',
  'smoke-workflow': '',
  'smoke-timeout': '15m',
  'rate-limit-budget': '30m',
  'leak-response': 'rotate-and-deactivate',
  'issue-on-failure': 'true',
  'issue-repository': '',
  audit: '',
  'audit-fail-on': '',
  'audit-unused-after': '45d'
} as const
