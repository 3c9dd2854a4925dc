/**
 * URLs fit to print. A URL can carry a credential in its user name and password, its query
 * (`?access_token=`) or its fragment, and a refused github-api-url is echoed in the error and the
 * step summary: those parts are shown as ***. WHATWG's parser finds them however the URL is
 * spelt (`https:\\user:pass@host`, `https:/user:pass@host`); text it rejects is cut harder.
 */

const HIDDEN = '***'

/** `text` as given when the parser finds nothing to hide, else rebuilt with *** in its place. */
export function redactUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return redactUnparsed(text)
  }
  // An @ in the path: `user:pass@host` the parser did not take as such (a non-special scheme,
  // `foo:user:pass@host`; a password that starts with digits and a slash, read as a port and a
  // path). Everything before the last @, host and port included, may be the credential.
  const lastAt = url.pathname.lastIndexOf('@')
  if (!url.username && !url.password && !url.search && !url.hash && lastAt < 0) return text
  const opaque = url.host === '' && !url.pathname.startsWith('/')
  const userInfo = url.username || url.password || lastAt >= 0 ? `${HIDDEN}@` : ''
  return [
    url.protocol,
    opaque ? '' : '//',
    userInfo,
    lastAt >= 0 ? url.pathname.slice(lastAt + 1) : url.host + url.pathname,
    url.search ? `?${HIDDEN}` : '',
    url.hash ? `#${HIDDEN}` : ''
  ].join('')
}

/**
 * The parser rejected it (`https://user:pa/ss@host` has no valid port): where it is, a password
 * cannot be told apart, so after the scheme nothing is shown once an `@ : ? #` appears.
 */
function redactUnparsed(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:[/\\]*/i.exec(text)?.[0] ?? ''
  return /[@:?#]/.test(text.slice(scheme.length)) ? `${scheme}${HIDDEN}` : text
}

/**
 * A scheme followed by a slash or backslash, or by an @ before the next space: what may be a URL
 * in a message. Quotes and angle brackets end it, as they end a quoted input.
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:(?:[/\\]|[^\s'"<>`]*@)[^\s'"<>`]*/gi

/** Every URL in `text` redacted as redactUrl does it. */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, redactUrl)
}
