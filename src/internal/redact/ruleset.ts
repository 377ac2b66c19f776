/**
 * Rules from secretlint's rule packages, which their maintainers keep up with new token formats:
 * `npm update` brings their new patterns here. Each package is plain ECMAScript with no Node
 * built-in (unlike the recommended preset, which imports `node:path`), so this runs anywhere.
 *
 * A rule is driven as secretlint drives it, through `create(context).file(source)`, with an
 * in-memory context that collects the reported ranges. Their patterns are tuned for source files
 * (exact lengths, example keys ignored): the built-in rules catch the looser shapes of an error
 * message; these add the formats they know and keep up with.
 *
 * Their regular expressions are not ours to bound, so a rule never sees the whole text: only a
 * window around each occurrence of its keywords, as long as its longest match. Cost stays linear
 * in the text, and a backtracking pattern is bounded by the window.
 *
 * @internal
 */
import { creator as anthropic } from "@secretlint/secretlint-rule-anthropic"
import { creator as aws } from "@secretlint/secretlint-rule-aws"
import { creator as basicAuth } from "@secretlint/secretlint-rule-basicauth"
import { creator as databaseConnectionString } from "@secretlint/secretlint-rule-database-connection-string"
import { creator as github } from "@secretlint/secretlint-rule-github"
import { creator as npm } from "@secretlint/secretlint-rule-npm"
import { creator as openai } from "@secretlint/secretlint-rule-openai"
import { creator as privateKey } from "@secretlint/secretlint-rule-privatekey"
import { creator as sendgrid } from "@secretlint/secretlint-rule-sendgrid"
import { creator as slack } from "@secretlint/secretlint-rule-slack"
import { isTokenChar, type Report, type Rule, tokenEnd } from "./rule.js"

/** What this adapter needs of secretlint's rule API (`SecretLintRuleCreator`). */
export interface Descriptor {
  readonly message?: unknown
  readonly range?: unknown
}
export interface Context {
  readonly sharedOptions: object
  createTranslator(messages: object): (messageId: string, data?: object) => unknown
  report(descriptor: Descriptor): void
  ignore(descriptor: object): void
}
/** The part of `SecretLintSourceCode` that rules read: an in-memory text with no file. */
export interface Source {
  readonly content: string
  readonly contentType: string
  readonly ext: string
  readonly hasBOM: boolean
  readonly filePath: string | undefined
  readonly physicalFilePath: string | undefined
  getFilePath(): string | undefined
  getPhysicalFilePath(): string | undefined
}
export interface Creator {
  readonly meta: { readonly id: string }
  create(context: Context, options: object): { file?(source: Source): unknown }
}

/** One rule package, and what the adapter knows of its patterns. */
export interface Entry {
  readonly creator: Creator
  readonly options?: object
  readonly keywords: ReadonlyArray<string>
  readonly requires?: string
  /** At most how far before a keyword its match may start. */
  readonly lead: number
  /** At most how far after a keyword its match may end. */
  readonly reach: number
  /** Placeholder kind per message id; an unknown id is turned into one. */
  readonly kinds: Readonly<Record<string, string>>
  /**
   * Message ids whose reported range starts at the whole match (`aws_secret_access_key=…`) but is
   * as long as the secret: the secret is the token that the range ends in.
   */
  readonly endsInSecret?: ReadonlyArray<string>
}

// Kinds match the built-in rules' names; credentials inside a URL get the plain placeholder (the
// host stays), as the built-in rule gives them.
const ENTRIES: ReadonlyArray<Entry> = [
  {
    creator: aws,
    // The key id scan is off by default in secretlint (ids alone are not secret); an alert needs
    // neither.
    options: { enableIDScanRule: true },
    keywords: ["akia", "asia", "a3t", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "secret", "account"],
    lead: 8,
    reach: 160,
    kinds: {
      AWSAccessKeyID: "aws-access-key",
      AWSSecretAccessKey: "aws-secret-key",
      AWSAccountID: "aws-account-id"
    },
    endsInSecret: ["AWSSecretAccessKey"]
  },
  { creator: basicAuth, keywords: ["://"], requires: "@", lead: 8, reach: 800, kinds: { BasicAuth: "" } },
  {
    creator: databaseConnectionString,
    keywords: ["mongodb", "mysql", "postgres"],
    requires: "@",
    lead: 8,
    reach: 1100,
    kinds: { MongoDBConnection: "", MySQLConnection: "", PostgreSQLConnection: "" }
  },
  {
    creator: github,
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
    lead: 1,
    reach: 100,
    kinds: { GITHUB_TOKEN: "github-token" }
  },
  {
    creator: npm,
    keywords: ["npm_", "_authtoken", "x-oauth-basic"],
    lead: 270,
    reach: 512,
    kinds: {
      NPM_ACCESS_TOKEN: "npm-token",
      Npmrc_authToken: "npm-token",
      PackageJSON_xOauthToken: "github-token"
    },
    endsInSecret: ["Npmrc_authToken", "PackageJSON_xOauthToken"]
  },
  { creator: openai, keywords: ["sk-"], lead: 1, reach: 200, kinds: { OPENAI_TOKEN: "openai-key" } },
  {
    creator: anthropic,
    keywords: ["sk-ant-"],
    lead: 1,
    reach: 160,
    kinds: { ANTHROPIC_API_KEY: "anthropic-key" }
  },
  {
    creator: privateKey,
    keywords: ["private key"],
    lead: 24,
    reach: 10_100,
    kinds: { PrivateKey: "private-key" }
  },
  { creator: sendgrid, keywords: ["sg."], lead: 1, reach: 400, kinds: { SENDGRID_KEY: "sendgrid-key" } },
  {
    creator: slack,
    keywords: ["xoxa", "xoxb", "xoxo", "xoxp", "xoxr", "xapp", "hooks.slack.com"],
    lead: 8,
    reach: 512,
    kinds: { SLACK_TOKEN: "slack-token", IncomingWebhook: "slack-webhook" }
  }
]

/** Windows advance by at least this much, so that many close keywords cost few rule calls. */
const STEP = 2048
/** How far a reported range is carried to the end of the token it ends in. */
const TOKEN_LIMIT = 256

// The context is shared by every rule: a report goes to whichever window is being scanned.
// Redaction is synchronous, so only one window is scanned at a time.
const dropDescriptor = (_descriptor: Descriptor): void => {}
let sink: (descriptor: Descriptor) => void = dropDescriptor
const context: Context = {
  sharedOptions: {},
  // The message id is all a report needs to carry: it names the placeholder.
  createTranslator: () => (messageId) => messageId,
  report: (descriptor) => sink(descriptor),
  ignore: () => {}
}

const noPath = (): undefined => undefined

/** `AWSSecretAccessKey` → `aws-secret-access-key`, for a message id newer than this table. */
const kebab = (id: string): string =>
  id
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase()
    .slice(0, 40)

const SCHEME = /[a-z][a-z0-9+.-]{0,20}:\/\//iy

/**
 * Turns a reported range into what to hide. A URL keeps its scheme and host: only its user
 * information goes. Any other range is carried to the end of the token it ends in, and with
 * `endsInSecret` starts where that token starts.
 */
const hide = (
  text: string,
  start: number,
  end: number,
  kind: string,
  endsInSecret: boolean,
  report: Report
): void => {
  if (endsInSecret) {
    // Back over the token (not over `=`, which joins a name to its value).
    let from = end
    while (from > start && text.charCodeAt(from - 1) !== 61 && isTokenChar(text.charCodeAt(from - 1))) from--
    start = from
  }
  SCHEME.lastIndex = start
  if (SCHEME.test(text)) {
    const authority = SCHEME.lastIndex
    let authorityEnd = authority
    while (authorityEnd < end && !"/?#".includes(text[authorityEnd]!)) authorityEnd++
    const at = text.lastIndexOf("@", authorityEnd - 1)
    if (at > authority) {
      report(authority, at, "")
      return
    }
    start = authority
  }
  report(start, tokenEnd(text, Math.max(start, end), TOKEN_LIMIT), kind)
}

/**
 * The window being scanned, for `windowSink`: module-level rather than a closure per window, as
 * redaction runs on every warning line and scans one window at a time.
 */
let windowText = ""
let windowFrom = 0
let windowLength = 0
let windowReport: Report = () => {}
let windowKindOf: (message: unknown) => string = () => ""
let windowEndsInSecret: ReadonlySet<string> = new Set()

const windowSink = (descriptor: Descriptor): void => {
  const range = descriptor.range
  if (!Array.isArray(range)) return
  const [start, end] = range as ReadonlyArray<unknown>
  if (typeof start !== "number" || typeof end !== "number") return
  if (!(start >= 0 && end > start && end <= windowLength)) return
  const message = descriptor.message
  hide(
    windowText,
    windowFrom + Math.floor(start),
    windowFrom + Math.ceil(end),
    windowKindOf(message),
    typeof message === "string" && windowEndsInSecret.has(message),
    windowReport
  )
}

/**
 * A rule that fails must not let its secrets through: hides the token at each keyword of the
 * window, the keywords `hits[from…]` before `to`.
 */
const hideAtKeywords = (
  text: string,
  hits: ReadonlyArray<number>,
  from: number,
  to: number,
  kind: string,
  report: Report
): void => {
  for (let i = from; i < hits.length && hits[i]! < to; i++) {
    const end = tokenEnd(text, hits[i]!, TOKEN_LIMIT)
    if (end > hits[i]!) report(hits[i]!, end, kind)
  }
}

/** A rule of the engine that drives a secretlint rule over windows of the text. */
export const fromSecretlint = (entry: Entry): Rule => {
  let handler: ReturnType<Creator["create"]> | undefined
  try {
    handler = entry.creator.create(context, entry.options ?? {})
  } catch {
    // Left undefined: every window then takes the failed path below.
  }
  const fallbackKind = kebab(entry.creator.meta.id.replace(/^@secretlint\/secretlint-rule-/, ""))
  const endsInSecret = new Set(entry.endsInSecret)
  const kindOf = (message: unknown): string =>
    typeof message !== "string"
      ? fallbackKind
      : Object.hasOwn(entry.kinds, message)
        ? entry.kinds[message]!
        : kebab(message) || fallbackKind
  return {
    keywords: entry.keywords,
    requires: entry.requires,
    find: (text, hits, report) => {
      // A rule that fails must not let its secrets through: hide the token at each keyword of
      // the window instead.
      const file = handler?.file
      if (typeof file !== "function") {
        hideAtKeywords(text, hits, 0, text.length, fallbackKind, report)
        return
      }
      let next = 0
      while (next < hits.length) {
        const hit = hits[next]!
        const from = Math.max(0, hit - entry.lead)
        const to = Math.min(text.length, hit + entry.reach + Math.max(entry.reach, STEP))
        const content = from === 0 && to === text.length ? text : text.slice(from, to)
        windowText = text
        windowFrom = from
        windowLength = content.length
        windowReport = report
        windowKindOf = kindOf
        windowEndsInSecret = endsInSecret
        sink = windowSink
        let failed = false
        try {
          const returned = file.call(handler, {
            content,
            contentType: "text",
            ext: "",
            hasBOM: false,
            filePath: undefined,
            physicalFilePath: undefined,
            getFilePath: noPath,
            getPhysicalFilePath: noPath
          })
          // A rule that scans asynchronously reports after redaction is over: as good as failed.
          const pending = returned as PromiseLike<unknown> | null | undefined
          if (typeof pending?.then === "function") {
            pending.then(undefined, () => {})
            failed = true
          }
        } catch {
          failed = true
        } finally {
          sink = dropDescriptor
          windowText = ""
        }
        if (failed) hideAtKeywords(text, hits, next, to, fallbackKind, report)
        if (to === text.length) return
        // Every keyword up to here had its whole reach inside this window.
        const covered = to - entry.reach
        while (next < hits.length && hits[next]! <= covered) next++
      }
    }
  }
}

export const RULESET_RULES: ReadonlyArray<Rule> = ENTRIES.map(fromSecretlint)
