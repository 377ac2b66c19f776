/**
 * The rules this library keeps beside the maintained ruleset (`ruleset.ts`): what a secret
 * scanner for source files leaves out but an error message carries. Header and parameter values,
 * JSON secret fields, credentials in any URL, webhook URLs, JSON web tokens, and token shapes
 * matched by prefix rather than by exact length, so that a short, cut or newer token still goes.
 * Formats that no rule names are left to the generic detectors (`generic.ts`).
 *
 * Every pattern runs in linear time: no nested or overlapping quantifiers, a token's start may not
 * follow a token character (so a run is scanned from its first character only), and bounded runs
 * where a pattern could otherwise rescan the same characters from many start positions.
 *
 * @internal
 */
import { isTokenChar, pattern, type Rule } from "./rule.js"

// Names of `name=value` parameters, `name: value` headers and JSON fields whose value is a
// secret, alone or as the last part of a longer name (`access_token`, `X-Api-Key`). A bare word
// that merely ends in one (`monkey`, `bypass`) is not a name.
const NAMES = [
  "token",
  "key",
  "apikey",
  "secret",
  "password",
  "passwd",
  "pwd",
  "pass",
  "sig",
  "signature",
  "credential",
  "credentials",
  "auth",
  "session",
  // camelCase and run-together names, whole.
  "authtoken",
  "accesstoken",
  "refreshtoken",
  "apitoken",
  "clientsecret",
  "secretkey",
  "privatekey",
  "accesskey"
]
const NAME_ALTERNATIVES = NAMES.join("|")

// Names that mark a secret even in `name: value` form, where a bare `token:` or `key:` is too
// often ordinary text; and keywords that every one of them contains.
const STRONG_NAMES =
  "password|passwd|secret|apikey|api[_-]?key|secret[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|(?:access|refresh|auth|id|session|api|bearer)[_-]?token"
const STRONG_KEYWORDS = [
  "passw",
  "secret",
  "apikey",
  "api_key",
  "api-key",
  "accesskey",
  "access_key",
  "access-key",
  "privatekey",
  "private_key",
  "private-key",
  "token"
]

/** Prefixes of token formats, for a token that the end of the text cut short. */
const TOKEN_PREFIXES = [
  "ghp_",
  "gho_",
  "ghu_",
  "ghs_",
  "ghr_",
  "github_pat_",
  "xoxa-",
  "xoxb-",
  "xoxe-",
  "xoxo-",
  "xoxp-",
  "xoxr-",
  "xoxs-",
  "xapp-",
  "sk-",
  "sk_live_",
  "sk_test_",
  "rk_live_",
  "rk_test_",
  "whsec_",
  "npm_",
  "sg.",
  "akia",
  "asia",
  "aiza",
  "gocspx-",
  "ya29.",
  "eyj"
]

const kindOfSkKey = (secret: string): string =>
  secret.startsWith("sk-ant-")
    ? "anthropic-key"
    : /^sk-(?:proj|svcacct|admin)-/.test(secret) || secret.includes("T3BlbkFJ")
      ? "openai-key"
      : "api-key"

const kindOfGcp = (secret: string): string =>
  secret.startsWith("AIza")
    ? "gcp-api-key"
    : secret.startsWith("ya29.")
      ? "gcp-access-token"
      : "gcp-client-secret"

/** `Cookie: a=1; b=2` (every value) and `Set-Cookie: a=1; Path=/` (the first: the rest are attributes). */
const COOKIE_HEADER = /\b((?:set-)?cookie)["']?\s{0,8}[:=]\s{0,8}["']?/gi
// One `name=value` pair of a cookie list, or a bare value; cookie values hold no space, comma,
// quote or semicolon.
const COOKIE_PAIR = /\s{0,8}(?:([^=;\s,"']{1,256})=)?([^;\s,"']*)/y

const cookies: Rule = {
  keywords: ["cookie"],
  positions: false,
  find: (text, _hits, report) => {
    COOKIE_HEADER.lastIndex = 0
    for (let header = COOKIE_HEADER.exec(text); header !== null; header = COOKIE_HEADER.exec(text)) {
      const all = header[1]!.length === 6 // `cookie`, not `set-cookie`
      let at = COOKIE_HEADER.lastIndex
      for (;;) {
        COOKIE_PAIR.lastIndex = at
        const pair = COOKIE_PAIR.exec(text)
        if (pair === null) break
        const value = pair[2]!
        const end = COOKIE_PAIR.lastIndex
        if (value !== "") report(end - value.length, end, "")
        const more = all && end > at && text.charCodeAt(end) === 59 // ;
        at = more ? end + 1 : end
        if (!more) break
      }
      // The header search goes on after the pairs, so that no text is read twice.
      if (at > COOKIE_HEADER.lastIndex) COOKIE_HEADER.lastIndex = at
    }
  }
}

/**
 * A token cut short by the end of the text (an alert cut to its length, a quoted body): too short
 * for the exact patterns, but the part shown is still part of a secret. Only the tail is looked at.
 */
const CUT_TOKEN =
  /(?<![A-Za-z0-9_-])(?:gh[pousr]_|github_pat_|xox[abeoprs]-|xapp-|sk-|[rs]k_(?:live|test)_|whsec_|npm_|SG\.|AKIA|ASIA|AIza|GOCSPX-|ya29\.|eyJ)[A-Za-z0-9_.+/=-]*…?$/
const TAIL = 200

/** The characters of `CUT_TOKEN` after its prefix: token characters and `.`. */
const isCutChar = (code: number): boolean => isTokenChar(code) || code === 46

const cutToken: Rule = {
  keywords: TOKEN_PREFIXES,
  find: (text, hits, report) => {
    const from = Math.max(0, text.length - TAIL)
    if (hits[hits.length - 1]! < from) return
    // A match is all token characters or `.` (its prefix too), but for a final `…`: it lies in
    // the run of them that ends the text, and most texts end in none.
    const runEnd =
      text.length > 0 && text.charCodeAt(text.length - 1) === 0x2026 ? text.length - 1 : text.length
    let runStart = runEnd
    while (runStart > from && isCutChar(text.charCodeAt(runStart - 1))) runStart--
    if (runStart === runEnd) return
    const found = CUT_TOKEN.exec(text.slice(runStart))
    if (found === null) return
    const start = runStart + found.index
    // A match at the very start of the tail may be the middle of a longer run: not a prefix. The
    // payload of a data URL (`data:application/json;base64,eyJ…`) is no token.
    if (start === from && from > 0 && isTokenChar(text.charCodeAt(from - 1))) return
    if (text.startsWith("base64,", start - 7)) return
    report(start, text.length, "")
  }
}

/**
 * In order: on a tie between two rules that found the same text, the first names the placeholder.
 * Token shapes come first, so that `Authorization: Bearer ghp_…` says what leaked.
 */
export const BUILTIN_RULES: ReadonlyArray<Rule> = [
  // A PEM private key. With no END line (the text was cut) everything after BEGIN goes. The tail
  // always matches where the body stops, so a failed match never rescans the body.
  pattern(
    ["private key"],
    /()(-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?!-----END )[\s\S])*(?:-----END [^\n-]{0,40}(?:-----)?|$))/g,
    "private-key"
  ),
  // Discord webhooks, whatever host and API version: /api[/vN]/webhooks/ID/TOKEN.
  pattern(
    ["/webhooks/"],
    /()(\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s/?#]{1,255}\/api(?:\/v\d{1,3})?\/webhooks\/\d+\/[\w-]+)/gi,
    "discord-webhook"
  ),
  pattern(
    ["hooks.slack"],
    /()(\b[a-z][a-z0-9+.-]{0,20}:\/\/hooks\.slack(?:-gov)?\.com\/[\w/-]*)/gi,
    "slack-webhook"
  ),
  // Slack incoming-webhook paths on any host (proxies, test servers).
  pattern(
    ["/services/"],
    /()(\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s/?#]{1,255}\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+)/g,
    "slack-webhook"
  ),
  // GitHub: classic, OAuth, user-to-server, server-to-server and refresh tokens, fine-grained PATs.
  pattern(
    ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
    /()(\b(?:gh[pousr]_[A-Za-z0-9]{10,}|github_pat_[A-Za-z0-9_]{10,}))/g,
    "github-token"
  ),
  // GitLab: personal, deploy, runner, trigger, feed, CI job, SCIM, agent and OAuth tokens.
  pattern(
    ["glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glcbt-", "glsoat-", "glimt-", "glagent-", "gloas-"],
    /()((?<![A-Za-z0-9_-])gl(?:pat|dt|rt|ptt|ft|cbt|soat|imt|agent|oas)-[A-Za-z0-9_-]{20,})/g,
    "gitlab-token"
  ),
  // Slack bot, user, app-level and configuration tokens.
  pattern(["xox", "xapp-"], /()(\b(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{8,})/g, "slack-token"),
  // AWS access key ids (long-term and temporary), the documentation's example included.
  pattern(["akia", "asia", "abia", "acca"], /()(\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b)/g, "aws-access-key"),
  // An AWS secret access key after the word `secret` (`secret: …`, `SecretAccessKey=…`,
  // `aws key … secret …`): 40 characters of base64.
  pattern(
    ["secret"],
    /(secret(?:[_ .-]?access)?(?:[_ .-]?key)?["']?\s{0,4}(?:[:=]|=>)?\s{0,4}["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    "aws-secret-key"
  ),
  // Stripe secret and restricted keys, webhook signing secrets (publishable `pk_` keys are public).
  pattern(
    ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"],
    /()((?<![A-Za-z0-9_])(?:[rs]k_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9+/=]{20,}))/g,
    "stripe-key"
  ),
  // SendGrid API keys, whatever the length of their two parts.
  pattern(["sg."], /()((?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})/g, "sendgrid-key"),
  // `sk-` API keys: OpenAI (`sk-proj-`, `sk-svcacct-`, legacy), Anthropic (`sk-ant-`), and the many
  // services that copied the shape. Shorter than the ruleset's exact formats on purpose.
  pattern(["sk-"], /()((?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,})/g, kindOfSkKey),
  // Google Cloud: API keys, OAuth client secrets and access tokens.
  pattern(
    ["aiza", "gocspx-", "ya29."],
    /()((?<![A-Za-z0-9_-])(?:AIza[0-9A-Za-z_-]{35,}|GOCSPX-[0-9A-Za-z_-]{24,}|ya29\.[0-9A-Za-z_.-]{20,}))/g,
    kindOfGcp
  ),
  // JSON web tokens: header and payload both start with a base64url `{"`.
  pattern(["eyj"], /()((?<![\w-])eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*)/g, "jwt"),
  cutToken,
  // `scheme://user:pass@host` and `scheme://token@host`: the user information goes.
  pattern(["://"], /(:\/\/)([^\s/?#@]+)@/g, "", "@"),
  // `Authorization: Basic xyz`, `authorization=xyz`: the credentials after the scheme go.
  pattern(
    ["authorization"],
    /(\b(?:proxy-)?authorization["']?\s{0,8}[:=]\s{0,8}["']?(?:(?:Basic|Bearer|Digest|Negotiate|Token|Bot|SSWS|ApiKey|Api-Key|Key|GenieKey|Splunk|SharedKey|SharedKeyLite|OAuth|MAC|HOBA|AWS4-HMAC-SHA256)\s+)?)([^\s"',;]+)/gi,
    ""
  ),
  pattern(["bearer"], /(\bBearer\s+)([A-Za-z0-9\-._~+/]+=*)/gi, ""),
  // Headers whose name ends in a secret name: `X-Api-Key: …`, `X-Auth-Token: …`, `Private-Token: …`.
  pattern(
    NAMES.map((name) => `-${name}`),
    new RegExp(
      `((?:^|[\\s{,;("'])(?:[a-z0-9]+-)+(?:${NAME_ALTERNATIVES})(?:-\\d{1,4})?["']?\\s{0,8}:\\s{0,8}["']?)([^\\s"',;]+)`,
      "gi"
    ),
    "",
    ":"
  ),
  // `password: hunter2`, `client_secret: …`, `api_key: …` in logs and YAML.
  pattern(
    STRONG_KEYWORDS,
    new RegExp(
      `((?:^|[\\s{,;("'])(?:[a-z0-9]+[_.-])*(?:${STRONG_NAMES})["']?\\s{0,8}:\\s{0,8}["']?)([^\\s"',;]+)`,
      "gi"
    ),
    "",
    ":"
  ),
  cookies,
  // `?token=...`, `&api_key=...`, `password=...` in free text, `:_authToken=` in an .npmrc. The
  // value stops at `;` too, which separates cookie pairs and connection-string fields.
  pattern(
    NAMES,
    new RegExp(`((?:^|[?&;:\\s,("'])_?(?:[a-z0-9]+[_.-])*(?:${NAME_ALTERNATIVES})=)([^&#;\\s"'<>]+)`, "gi"),
    "",
    "="
  ),
  // `"password": "..."`, `"api_key":"..."`, `"cookie": "..."` in JSON dumped into an error message.
  // With no closing quote (the text was cut) the rest of the text goes.
  pattern(
    [...NAMES, "cookie"],
    new RegExp(
      `("(?:[a-z0-9]+[_.-])*(?:${NAME_ALTERNATIVES}|cookie)"\\s{0,8}:\\s{0,8}")((?:[^"\\\\]|\\\\.)*)`,
      "gi"
    ),
    "",
    '"'
  )
]
