/**
 * The redactor of `src/internal/redact/redact.ts` before it used a maintained ruleset, copied verbatim
 * below this paragraph: the comparison point of the `redact` bench scenario, not used by the
 * library. Its JSON web token pattern is quadratic on some inputs (see the scenario's notes).
 *
 * Scrubs secrets out of free text before it reaches a chat channel or a log line.
 *
 * Hand-written rather than a library: the redaction packages on npm target objects (paths of
 * keys) or PII, not the token shapes an error message carries. Every pattern is compiled once and
 * written to run in linear time: no nested or overlapping quantifiers, bounded runs where a
 * pattern could otherwise rescan the same characters from every start position.
 *
 * @internal
 */
/** What replaces a secret. */
export const PLACEHOLDER = "[REDACTED]"

const placeholder = (kind: string): string => `[REDACTED:${kind}]`

// Names of query or `name=value` parameters whose value is a secret, alone or as the last part of
// a longer name (`access_token`, `client_secret`, `x-api-key`, `aws_secret_access_key`).
const SECRET_NAMES =
  "token|key|apikey|secret|password|passwd|pwd|pass|sig|signature|credential|credentials|auth|session"

interface Rule {
  readonly pattern: RegExp
  readonly replace: string
}

// Order matters: whole webhook URLs and private keys go first, so the later, finer rules do not
// leave half of them behind.
const RULES: ReadonlyArray<Rule> = [
  {
    // A PEM private key. With no END line (the text was cut) everything after BEGIN goes. The tail
    // always matches where the body stops, so a failed match never rescans the body.
    pattern:
      /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----(?:(?!-----END )[\s\S])*(?:-----END [^\n-]{0,40}(?:-----)?|$)/g,
    replace: placeholder("private-key")
  },
  {
    // Discord webhooks, whatever host and API version: /api[/vN]/webhooks/ID/TOKEN.
    pattern: /\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s/?#]{1,255}\/api(?:\/v\d{1,3})?\/webhooks\/\d+\/[\w-]+/gi,
    replace: placeholder("discord-webhook")
  },
  {
    pattern: /\b[a-z][a-z0-9+.-]{0,20}:\/\/hooks\.slack(?:-gov)?\.com\/[\w/-]*/gi,
    replace: placeholder("slack-webhook")
  },
  {
    // Slack incoming-webhook paths on any host (proxies, test servers).
    pattern: /\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s/?#]{1,255}\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/g,
    replace: placeholder("slack-webhook")
  },
  {
    // `scheme://user:pass@host` and `scheme://token@host`: the user information goes.
    pattern: /:\/\/[^\s/?#@]+@/g,
    replace: `://${PLACEHOLDER}@`
  },
  {
    // `Authorization: Basic xyz`, `authorization=xyz`: the credentials after the scheme go.
    pattern:
      /(\b(?:proxy-)?authorization["']?\s{0,8}[:=]\s{0,8}["']?(?:(?:Basic|Bearer|Digest|Negotiate|Token)\s+)?)[^\s"',;]+/gi,
    replace: `$1${PLACEHOLDER}`
  },
  {
    pattern: /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
    replace: `$1${PLACEHOLDER}`
  },
  {
    // `?token=...`, `&api_key=...`, and `password=...` in free text.
    pattern: new RegExp(`((?:^|[?&;\\s,("'])(?:[a-z0-9]+[_.-])*(?:${SECRET_NAMES})=)[^&#\\s"'<>]+`, "gi"),
    replace: `$1${PLACEHOLDER}`
  },
  {
    // `"password": "..."`, `"api_key":"..."` in JSON dumped into an error message. With no closing
    // quote (the text was cut) the rest of the text goes.
    pattern: new RegExp(
      `("(?:[a-z0-9]+[_.-])*(?:${SECRET_NAMES})"\\s{0,8}:\\s{0,8}")(?:[^"\\\\]|\\\\.)*("?)`,
      "gi"
    ),
    replace: `$1${PLACEHOLDER}$2`
  },
  {
    // GitHub: classic, OAuth, user-to-server, server-to-server and refresh tokens, fine-grained PATs.
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{10,}|github_pat_[A-Za-z0-9_]{10,})/g,
    replace: placeholder("github-token")
  },
  {
    // Slack bot, user, app-level and configuration tokens.
    pattern: /\b(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{8,}/g,
    replace: placeholder("slack-token")
  },
  {
    // AWS access key ids (long-term and temporary).
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
    replace: placeholder("aws-access-key")
  },
  {
    // JSON web tokens: header and payload both start with a base64url `{"`.
    pattern: /\beyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g,
    replace: placeholder("jwt")
  }
]

/**
 * Replaces the secrets found in `text` by a visible placeholder, keeping the rest readable.
 * Pure; the public `Alert.redact` also accepts a non-string from untyped callers.
 */
export const redact = (text: string): string => {
  let result = text
  for (const rule of RULES) {
    // `replace` with a global regex restarts at index 0 itself; no state leaks between calls.
    result = result.replace(rule.pattern, rule.replace)
  }
  return result
}

/**
 * Removes every occurrence of the given secret strings, then applies {@link redact}. For text
 * from outside (an HTTP error body, a transport error) that might echo a webhook URL back.
 */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let result = text
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join(PLACEHOLDER)
  }
  return redact(result)
}
