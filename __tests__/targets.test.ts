import { parseTargets } from '../src/targets.js'

describe('targets', () => {
  it('reads owner/repo lines, skipping blanks and comments', () => {
    expect(
      parseTargets('acme/app\n\n# staging\n  acme/api  # trailing comment\r\nAcme-Co/site.io')
    ).toEqual([
      { kind: 'repository', owner: 'acme', repo: 'app' },
      { kind: 'repository', owner: 'acme', repo: 'api' },
      { kind: 'repository', owner: 'Acme-Co', repo: 'site.io' }
    ])
  })

  it.each([
    ['acme', /owner\/repo/],
    ['-acme/app', /owner/],
    ['acme-/app', /owner/],
    ['acme/..', /repository name/],
    ['acme/app\nacme/APP', /repeats line 1/],
    ['org:acme', /'org:' targets are not supported/],
    ['dependabot-org:acme', /'dependabot-org:'/]
  ])('rejects %p', (text, message) => {
    const parsed = parseTargets(text)
    expect('error' in parsed && parsed.error).toMatch(message)
  })
})
