/**
 * The token shapes (`generic.ts`): words that look like a token whatever its vendor. A prefix and
 * a random-looking body (`xyz_…`, `xyz-…`, `ab.cd.…`), a vendor prefix glued to a hex body
 * (`SK…`, `dapi…`), a bot token (`123456789:…`), and a long random word with no prefix, held to
 * stricter limits. Identifiers are not tokens: known id prefixes (`sha256-`, `pi_`, `req_`), values
 * labelled as ids (`RequestId: …`), base64 of text.
 *
 * One pass over the runs of word characters; each run is judged once (a path: once whole and once
 * per part), on at most its first `MEASURE_LIMIT` characters.
 *
 * @internal
 */
import type { Covered, Report, Rule } from "./rule.js"
import {
  B64,
  BARE_MIN,
  base64OfText,
  CLASS,
  COLON,
  classAt,
  DIGIT,
  DOT,
  EQUALS,
  HEX,
  isAlnumAt,
  isLetterAt,
  isWordAt,
  LOWER,
  measure,
  OTHER,
  oneCase,
  PREFIXED_MIN,
  randomAfterPrefix,
  randomBare,
  SEP,
  SLASH,
  trimPadding,
  UPPER
} from "./shape.js"

/**
 * First prefix segments of identifiers and digests, never of a secret: content hashes, commits,
 * request and trace ids, payment-processor object ids (`pi_`, `ch_`, `cus_`, `evt_`, …) and the
 * `<type>_<random>` ids of many APIs.
 */
const ID_PREFIXES = new Set(
  (
    "sha1 sha224 sha256 sha384 sha512 sha md5 crc32 crc32c blake2b blake3 commit rev ref build git " +
    "hash digest etag id uuid guid ulid trace span req request corr msg evt event pi ch cus in ii il " +
    "sub si pm py po re tr txn tx src seti price prod acct ord order inv cs ba card file user usr org " +
    "team run job task pod node img image chunk cursor "
  )
    .trim()
    .split(" ")
)

const idPrefix = (text: string, from: number, to: number): boolean =>
  to - from <= 8 && ID_PREFIXES.has(text.slice(from, to))

const ID_NAME = /(?:^|[-_.\s])ids?(?:[-_]?\d)?$/i
const CAMEL_ID_NAME = /[a-z0-9](?:Id|ID)s?$/
const ID_NAME_SECRET = /session|secret|token|key|pass|auth/i

/**
 * Whether the word at `start` is the value of a name that says it is an id (`RequestId: …`,
 * `"trace_id": "…"`, `x-amz-id-2: …`). Looks back a bounded distance.
 */
const labelledAsId = (text: string, start: number): boolean => {
  let at = start
  const stop = Math.max(0, start - 6)
  while (at > stop && " \t\"'".includes(text[at - 1]!)) at--
  if (at === 0 || (text.charCodeAt(at - 1) !== COLON && text.charCodeAt(at - 1) !== EQUALS)) return false
  at--
  const quoteStop = Math.max(0, at - 4)
  while (at > quoteStop && " \t\"'".includes(text[at - 1]!)) at--
  let nameStart = at
  const nameStop = Math.max(0, at - 40)
  while (nameStart > nameStop && (isWordAt(text, nameStart - 1) || text.charCodeAt(nameStart - 1) === DOT)) {
    nameStart--
  }
  const name = text.slice(nameStart, at)
  return (ID_NAME.test(name) || CAMEL_ID_NAME.test(name)) && !ID_NAME_SECRET.test(name)
}

interface Prefix {
  /** Where the body starts, after every part of the prefix. */
  readonly body: number
  /** Where the body starts if only the first part is the prefix. */
  readonly first: number
  /** The separator after the first part: `-` or `_`. */
  readonly separator: number
}

const ID: Prefix = { body: -1, first: -1, separator: -1 }

/**
 * The prefix of a token within `text[from, to)`: a first segment of 2 to 12 letters and digits
 * of one case, starting with a letter, then up to two more short segments (`sk-proj-`,
 * `dop_v1_`, `sk-ant-api03-`), each ended by `-` or `_`. Returns where the body starts and the
 * first separator; `ID` for the prefix of an identifier (`sha512-`, `pi_`); undefined for none.
 */
const prefixIn = (text: string, from: number, to: number): Prefix | undefined => {
  if (!isLetterAt(text, from)) return undefined
  let at = from
  while (at < to && at - from <= 12 && isAlnumAt(text, at)) at++
  const length = at - from
  if (length < 2 || length > 12 || at >= to || classAt(text, at) !== SEP) return undefined
  if (idPrefix(text, from, at)) return ID
  if (!oneCase(text, from, at)) return undefined
  const separator = text.charCodeAt(at)
  let bodyStart = at + 1
  for (let parts = 1; parts < 3; parts++) {
    let end = bodyStart
    while (end < to && end - bodyStart <= 8 && isAlnumAt(text, end)) end++
    const part = end - bodyStart
    if (part < 1 || part > 8 || end >= to || classAt(text, end) !== SEP || to - end < 17) break
    if (!isLetterAt(text, bodyStart) || !oneCase(text, bodyStart, end)) break
    bodyStart = end + 1
  }
  return { body: bodyStart, first: at + 1, separator }
}

/**
 * The start of a dotted prefix that ends right before `start` (`hvs.`, `dp.st.prd.`, `SG.`): up
 * to three segments of 1 to 12 letters and digits of one case, the first starting with a letter.
 * Returns `start` when there is none.
 */
const dottedPrefix = (text: string, start: number): number => {
  let chainStart = start
  let firstEnd = start
  let dot = start - 1
  for (let parts = 0; parts < 3 && dot > 0 && text.charCodeAt(dot) === DOT; parts++) {
    let from = dot
    while (from > 0 && dot - from < 13 && isAlnumAt(text, from - 1)) from--
    const length = dot - from
    if (length < 1 || length > 12 || (from > 0 && isWordAt(text, from - 1))) break
    if (!oneCase(text, from, dot) || !isLetterAt(text, from)) break
    chainStart = from
    firstEnd = dot
    dot = from - 1
  }
  return chainStart < start && idPrefix(text, chainStart, firstEnd) ? start : chainStart
}

const HEX_GLUED_IDS = /^(?:sha|md|crc|blake|ox|x)/i

/**
 * Where the hex body starts in `text[from, to)` if it is 2 to 8 letters, one of them not a hex
 * digit, glued to at least 32 hex digits of one case (`SK…`, `dapi…`); else -1.
 */
const gluedHex = (text: string, from: number, to: number): number => {
  let at = from
  let nonHex = -1
  while (at < to && at - from < 9 && isLetterAt(text, at)) {
    const code = text.charCodeAt(at)
    if (HEX[code] === 0) nonHex = at
    at++
  }
  const body = nonHex + 1
  if (nonHex < 0 || body - from < 2 || to - body < 32) return -1
  let kinds = 0
  for (let i = body; i < to; i++) {
    const hex = HEX[text.charCodeAt(i)] ?? 0
    if (hex === 0) return -1
    if (hex === 2) kinds |= 1
    else if (hex === 3) kinds |= 2
  }
  if (kinds === 3 || HEX_GLUED_IDS.test(text.slice(from, body))) return -1
  return body
}

/**
 * Where a token that starts at `start` ends, given the run it starts ends at `end`: before the
 * trailing `/`-parts that are words (`hf_…/resolve/main`, `bot…/sendMessage`), which stay.
 */
const wordyTail = (text: string, start: number, end: number): number => {
  let tail = end
  for (;;) {
    let slash = tail - 1
    while (slash > start && text.charCodeAt(slash) !== SLASH) slash--
    if (slash <= start) return tail
    // Letters only, in at most two camelCase words (`resolve`, `getMe`, `sendMessage`).
    let changes = 0
    for (let i = slash + 1; i < tail; i++) {
      const kind = classAt(text, i)
      if (kind !== UPPER && kind !== LOWER) return tail
      if (i > slash + 1 && kind !== classAt(text, i - 1)) changes++
    }
    if (tail - slash - 1 < 3 || changes > 2) return tail
    tail = slash
  }
}

const A_TOKEN = 1
const NOT_A_TOKEN = 0
/** Not a token, and no part of it is either: an id, a digest, base64 of text. */
const AN_ID = -1

/**
 * Judges the candidate `text[start, end)` (a run of word characters, or one `/`-separated part
 * of one) and reports it if it is a token. `dotted`: a prefix may end with a dot before `start`.
 */
const candidate = (
  text: string,
  start: number,
  end: number,
  dotted: boolean,
  mixed: boolean,
  report: Report
): number => {
  const measured = trimPadding(text, start, end)
  if (measured - start < PREFIXED_MIN) return NOT_A_TOKEN

  // A prefix and a body: `xyz_body`, `ab.cd.body`.
  const reportFrom = dotted ? dottedPrefix(text, start) : start
  // After a dotted prefix, the whole word is the body.
  const prefix = reportFrom < start ? undefined : prefixIn(text, start, measured)
  if (prefix === ID || labelledAsId(text, reportFrom)) return AN_ID
  if (reportFrom < start || prefix !== undefined) {
    const bodyStart = prefix?.body ?? start
    // A hex body counts after `_` or `.` (`dop_v1_…`, `shpat_…`); after `-`, only when the prefix
    // is upper-case or the word `key` (`PMAK-…`, `key-…`): `build-<commit>` is not a token.
    const hexAllowed =
      prefix === undefined ||
      prefix.separator === 95 ||
      classAt(text, start) === UPPER ||
      text.slice(start, start + 4).toLowerCase() === "key-"
    // The parts after the first one may have been the start of the body (`glpat-ab-…`).
    const random =
      randomAfterPrefix(measure(text, bodyStart, measured), hexAllowed) ||
      (prefix !== undefined &&
        prefix.first < bodyStart &&
        randomAfterPrefix(measure(text, prefix.first, measured), hexAllowed))
    if (!random) return NOT_A_TOKEN
    report(reportFrom, wordyTail(text, start, end), "")
    return A_TOKEN
  }

  // A vendor prefix glued to a hex body: `SK` + 32 hex, `dapi` + 32 hex.
  const hexStart = gluedHex(text, start, measured)
  if (hexStart > 0) {
    if (!randomAfterPrefix(measure(text, hexStart, measured), true)) return NOT_A_TOKEN
    report(start, wordyTail(text, start, end), "")
    return A_TOKEN
  }

  // No prefix: a long word that is random in every respect and not base64 of text.
  if (mixed && measured - start >= BARE_MIN && randomBare(measure(text, start, measured))) {
    if (text.startsWith("base64,", start - 7) || base64OfText(text, start, measured)) return AN_ID
    report(start, wordyTail(text, start, end), "")
    return A_TOKEN
  }
  return NOT_A_TOKEN
}

/**
 * `123456789:body` (a chat bot's id and secret, the id being the run `text[start, colon)` of 6 to
 * 12 digits, possibly after `bot`): reports the id and the body, and returns where the body ends;
 * else -1.
 */
const botToken = (text: string, start: number, colon: number, report: Report): number => {
  const digitsFrom = text.startsWith("bot", start) ? start + 3 : start
  if (colon - digitsFrom < 6 || colon - digitsFrom > 12) return -1
  for (let i = digitsFrom; i < colon; i++) if (classAt(text, i) !== DIGIT) return -1
  let bodyEnd = colon + 1
  while (bodyEnd < text.length) {
    const kind = classAt(text, bodyEnd)
    if (kind === OTHER || kind === B64) break
    bodyEnd++
  }
  if (bodyEnd - colon - 1 < 30 || !randomAfterPrefix(measure(text, colon + 1, bodyEnd), false)) return -1
  report(digitsFrom, bodyEnd, "")
  return bodyEnd
}

/** A run of word characters is judged from this length on: shorter ones are words. */
const RUN_MIN = 17

/** Finds token-shaped words anywhere in `text`: one pass over its runs of word characters. */
const findTokens = (text: string, report: Report, covered: Covered): void => {
  const length = text.length
  let at = 0
  while (at < length) {
    // The next run of word characters (`OTHER` is 0): most are short words, read once.
    let code = text.charCodeAt(at)
    if (code >= 128 || CLASS[code] === OTHER) {
      at++
      continue
    }
    const start = at
    do code = ++at < length ? text.charCodeAt(at) : 0
    while (code !== 0 && code < 128 && CLASS[code] !== OTHER)
    const runLength = at - start
    if (code === COLON && runLength >= 6 && runLength <= 15) {
      const bodyEnd = botToken(text, start, at, report)
      if (bodyEnd > 0) {
        at = bodyEnd
        continue
      }
    }
    if (runLength < RUN_MIN) continue
    // Base64 padding ends a word; an `=` between two words joins a name and a value.
    let padding = at
    while (padding < length && padding - at < 3 && text.charCodeAt(padding) === EQUALS) padding++
    if (padding > at && (padding === length || !isWordAt(text, padding))) at = padding
    const end = at
    let upper = 0
    let lower = 0
    let digits = 0
    let slashes = 0
    for (let i = start; i < end; i++) {
      const kind = CLASS[text.charCodeAt(i)]!
      if (kind === UPPER) upper = 1
      else if (kind === LOWER) lower = 1
      else if (kind === DIGIT) digits = 1
      else if (kind === B64 && text.charCodeAt(i) === SLASH) slashes++
    }
    // Letters of one case and no digit: a word, a name, a path; never random enough. A word that
    // a rule found already needs no judging.
    if ((digits === 0 && upper + lower < 2) || covered(start, end)) continue
    const mixed = digits + upper + lower === 3
    // A dotted prefix (`hvs.`, `dp.st.`) comes before a plain body, not before a path: a host.
    if (candidate(text, start, end, slashes === 0, mixed, report) !== NOT_A_TOKEN || slashes === 0) continue
    // A path: each part on its own (`/v1/hf_…/resolve`).
    let part = start
    for (let i = start; i <= end; i++) {
      if (i === end || text.charCodeAt(i) === SLASH) {
        if (i - part >= RUN_MIN) candidate(text, part, i, false, mixed, report)
        part = i + 1
      }
    }
  }
}

const nothingCovered: Covered = () => false

/** Token-shaped words, whatever their prefix: runs on every text. */
export const tokenShapes: Rule = {
  keywords: [],
  always: true,
  find: (text, _hits, report, covered) => findTokens(text, report, covered ?? nothingCovered)
}
