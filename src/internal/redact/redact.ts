/**
 * Scrubs secrets out of free text before it reaches a chat channel or a log line.
 *
 * Three sets of rules: secretlint's rule packages (`redact/ruleset.ts`), maintained upstream and
 * refreshed by `npm update`, for the token formats they know; the built-in rules
 * (`redact/builtin.ts`) for what an error message carries and a scanner of source files does not
 * look for: header, parameter and JSON values, credentials in URLs, webhook URLs, JSON web tokens,
 * and token shapes by prefix; and the generic detectors (`redact/generic.ts`) for the formats no
 * rule names: token-shaped words judged by length, alphabet and entropy, values after secret-like
 * names, and the secret parts of URLs.
 *
 * Most rules have keywords. One scan of the text finds them all, and a rule runs only when one of
 * its keywords is there; the token shapes, which have none, cost one more pass. Rules report
 * ranges; overlapping ranges are joined, so the order of the rules does not decide what is left of
 * a secret. Linear in the length of the text, and total: whatever the input, a string comes back,
 * at most {@link GROWTH} times as long as the input plus {@link SLACK} characters.
 *
 * @internal
 */
import { BUILTIN_RULES } from "./builtin.js"
import { GENERIC_RULES } from "./generic.js"
import type { Covered, Report, Rule } from "./rule.js"
import { RULESET_RULES } from "./ruleset.js"

/** What replaces a secret. */
export const PLACEHOLDER = "[REDACTED]"

const PREFIX = "[REDACTED"

/** The longest kind a placeholder names: a placeholder is never longer than 51 characters. */
const KIND_LENGTH = 40

const placeholder = (kind: string): string =>
  kind === "" ? PLACEHOLDER : `${PREFIX}:${kind.slice(0, KIND_LENGTH)}]`

/**
 * How much redaction may lengthen a text: the output is at most `GROWTH` times the input plus
 * `SLACK` characters. A placeholder is longer than a one-letter secret, so a text dense with short
 * secrets (`Cookie: a=b;` repeated) would otherwise grow several times; where the next placeholder
 * would cross the bound, the previous one stretches over the short gap and this secret instead.
 */
export const GROWTH = 1.5
export const SLACK = 64

const RULES: ReadonlyArray<Rule> = [...BUILTIN_RULES, ...RULESET_RULES, ...GENERIC_RULES]

/** A keyword, lower-case, and the rules that listen to it or to a keyword it starts with. */
interface Keyword {
  readonly text: string
  readonly rules: ReadonlyArray<number>
}

const KEYWORD_LIST = [
  ...new Set(RULES.flatMap((rule) => rule.keywords.map((keyword) => keyword.toLowerCase())))
]

/** Longest first, so that the longest keyword starting at a position is the one found there. */
const KEYWORDS: ReadonlyArray<Keyword> = KEYWORD_LIST.sort((a, b) => b.length - a.length).map((text) => ({
  text,
  rules: RULES.flatMap((rule, index) =>
    rule.keywords.some((own) => text.startsWith(own.toLowerCase())) ? [index] : []
  )
}))

const lowerCode = (code: number): number => (code >= 65 && code <= 90 ? code + 32 : code)

/**
 * The keywords by their first three characters (ASCII, lower-case, `c0 << 14 | c1 << 7 | c2`): a
 * bit per triple says whether any keyword starts with it, so that most positions of a text cost a
 * lookup. A keyword shorter than three ASCII characters is compared at every position.
 */
const TRIPLES = new Uint8Array(1 << 18)
/** Open addressing from a triple to its keywords, longest first: `SLOTS` keys, `BUCKETS` values. */
const TABLE_BITS = 10
const SLOT_KEYS = new Int32Array(1 << TABLE_BITS).fill(-1)
const SLOT_BUCKETS = new Int16Array(1 << TABLE_BITS).fill(-1)
const BUCKETS: Array<Array<Keyword>> = []
const slotOf = (triple: number): number => {
  let slot = Math.imul(triple, 0x9e3779b1) >>> (32 - TABLE_BITS)
  while (SLOT_KEYS[slot] !== -1 && SLOT_KEYS[slot] !== triple) slot = (slot + 1) & ((1 << TABLE_BITS) - 1)
  return slot
}
const SHORT: Array<Keyword> = []
for (const keyword of KEYWORDS) {
  const { text } = keyword
  const [c0, c1, c2] = [text.charCodeAt(0), text.charCodeAt(1), text.charCodeAt(2)]
  if (text.length < 3 || (c0 | c1 | c2) >= 128) {
    SHORT.push(keyword)
    continue
  }
  const triple = (c0 << 14) | (c1 << 7) | c2
  TRIPLES[triple >> 3]! |= 1 << (triple & 7)
  const slot = slotOf(triple)
  if (SLOT_KEYS[slot] === -1) {
    SLOT_KEYS[slot] = triple
    SLOT_BUCKETS[slot] = BUCKETS.length
    BUCKETS.push([])
  }
  BUCKETS[SLOT_BUCKETS[slot]!]!.push(keyword)
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

/** Any keyword, in any case: where the scan starts. */
const ANY_KEYWORD = new RegExp(KEYWORDS.map((keyword) => escapeRegExp(keyword.text)).join("|"), "i")

const keywordAt = (text: string, at: number, keyword: string): boolean => {
  if (at + keyword.length > text.length) return false
  for (let i = 0; i < keyword.length; i++) {
    if (lowerCode(text.charCodeAt(at + i)) !== keyword.charCodeAt(i)) return false
  }
  return true
}

/**
 * The longest keyword of `list` at `at` in `text`, if any: its listeners hit. Module-level, not a
 * closure per call: redaction runs on every warning line.
 */
const foundAt = (
  text: string,
  at: number,
  list: ReadonlyArray<Keyword>,
  hits: Array<Array<number> | undefined>
): boolean => {
  for (let k = 0; k < list.length; k++) {
    const keyword = list[k]!
    if (!keywordAt(text, at, keyword.text)) continue
    const rules = keyword.rules
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!
      const ruleHits = hits[rule]
      if (ruleHits === undefined) hits[rule] = [at]
      else if (POSITIONS[rule]) ruleHits.push(at)
    }
    return true
  }
  return false
}

/**
 * Every position where a keyword starts, in any case, listed per rule that listens to it
 * (ascending, each position once per rule). One pass over the text.
 */
const scanKeywords = (text: string): Array<Array<number> | undefined> => {
  const hits: Array<Array<number> | undefined> = new Array(RULES.length).fill(undefined)
  // Most texts have no keyword, or few: the regular expression finds the first one natively.
  const first = text.search(ANY_KEYWORD)
  if (first === -1) return hits
  const length = text.length
  let c0 = lowerCode(text.charCodeAt(first))
  let c1 = first + 1 < length ? lowerCode(text.charCodeAt(first + 1)) : 0
  for (let at = first; at < length; at++) {
    const c2 = at + 2 < length ? lowerCode(text.charCodeAt(at + 2)) : 0
    let hit = false
    if ((c0 | c1 | c2) < 128) {
      const triple = (c0 << 14) | (c1 << 7) | c2
      if ((TRIPLES[triple >> 3]! & (1 << (triple & 7))) !== 0) {
        hit = foundAt(text, at, BUCKETS[SLOT_BUCKETS[slotOf(triple)]!]!, hits)
      }
    }
    if (!hit && SHORT.length > 0) foundAt(text, at, SHORT, hits)
    c0 = c1
    c1 = c2
  }
  return hits
}

const NO_HITS: ReadonlyArray<number> = []
/** Per rule: whether it reads every keyword position, or only needs to know that there is one. */
const POSITIONS: ReadonlyArray<boolean> = RULES.map((rule) => rule.positions !== false)

interface Found {
  readonly start: number
  readonly end: number
  readonly kind: string
}

const NOTHING_COVERED: Covered = () => false

const byPosition = (a: Found, b: Found): number => a.start - b.start || b.end - a.end

/**
 * Sorts `found` by {@link byPosition}, stably. A text has few ranges, mostly in order already: an
 * insertion sort then costs less than setting up `Array.prototype.sort`.
 */
const sortFound = (found: Array<Found>): void => {
  const length = found.length
  if (length > 32) {
    found.sort(byPosition)
    return
  }
  for (let i = 1; i < length; i++) {
    const range = found[i]!
    let j = i - 1
    while (j >= 0 && byPosition(found[j]!, range) > 0) {
      found[j + 1] = found[j]!
      j--
    }
    found[j + 1] = range
  }
}

// The joined ranges of `coveredBy`, read by `coveredJoined`: one set at a time (redaction is
// synchronous, and `coveredBy` refills them before each use).
const coveredStarts: Array<number> = []
const coveredEnds: Array<number> = []

const coveredJoined: Covered = (start, end) => {
  const starts = coveredStarts
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (starts[middle]! <= start) low = middle
    else high = middle - 1
  }
  return starts[low]! <= start && end <= coveredEnds[low]!
}

/**
 * What `found` covers, for the rules that run on every text (they come last). Sorts `found` in
 * place, in the order the ranges are joined in: the final sort then has little left to do.
 */
const coveredBy = (found: Array<Found>): Covered => {
  if (found.length === 0) return NOTHING_COVERED
  sortFound(found)
  const starts = coveredStarts
  const ends = coveredEnds
  starts.length = 0
  ends.length = 0
  for (let i = 0; i < found.length; i++) {
    const range = found[i]!
    const last = ends.length - 1
    if (last >= 0 && range.start <= ends[last]!) ends[last] = Math.max(ends[last]!, range.end)
    else {
      starts.push(range.start)
      ends.push(range.end)
    }
  }
  return coveredJoined
}

const printable = (value: unknown): string => {
  try {
    return String(value)
  } catch {
    return "[unprintable value]"
  }
}

// What `report` adds to: the text and the ranges of the call under way (redaction is synchronous;
// `redactString` sets both before any rule runs). Module-level, not a closure per call.
let reportText = ""
const NO_FOUND: Array<Found> = []
let reportFound: Array<Found> = NO_FOUND

const report: Report = (start, end, kind) => {
  // A placeholder left by an earlier pass is not a secret: redacting twice changes nothing.
  if (start >= 0 && end > start && end <= reportText.length && !reportText.startsWith(PREFIX, start)) {
    reportFound.push({ start, end, kind })
  }
}

const redactString = (text: string, extra?: (report: Report) => void): string => {
  const hits = scanKeywords(text)

  const found: Array<Found> = []
  reportText = text
  reportFound = found
  extra?.(report)
  // How many ranges at the start of `found` are sorted already (by `coveredBy`).
  let sorted = 0
  for (let index = 0; index < RULES.length; index++) {
    const rule = RULES[index]!
    if (rule.always === true) {
      rule.find(text, NO_HITS, report, coveredBy(found))
      sorted = found.length
      continue
    }
    const ruleHits = hits[index]
    if (ruleHits === undefined || (rule.requires !== undefined && !text.includes(rule.requires))) continue
    rule.find(text, ruleHits, report, NOTHING_COVERED)
  }
  reportText = ""
  reportFound = NO_FOUND
  if (found.length === 0) return text

  // Join overlapping ranges. The longest range of a group names the placeholder; on a tie, a
  // named kind over the plain one, then the first rule (the sort is stable). When the rules
  // that run on every text found nothing more, `coveredBy` left the ranges sorted.
  if (found.length > sorted) sortFound(found)
  let result = ""
  let kept = 0
  for (let i = 0; i < found.length; ) {
    const first = found[i]!
    let end = first.end
    let longest = first
    for (i++; i < found.length && found[i]!.start < end; i++) {
      const next = found[i]!
      const longer = next.end - next.start - (longest.end - longest.start)
      if (longer > 0 || (longer === 0 && longest.kind === "" && next.kind !== "")) longest = next
      if (next.end > end) end = next.end
    }
    const mark = placeholder(longest.kind)
    // Within the bound, or the previous placeholder takes this secret and the gap before it
    // (the first placeholder is always within: it is at most 51 characters).
    if (result.length === 0 || result.length + (first.start - kept) + mark.length <= GROWTH * end + SLACK) {
      result += text.slice(kept, first.start) + mark
    }
    kept = end
  }
  return result + text.slice(kept)
}

/**
 * Replaces the secrets found in `text` by a visible placeholder, keeping the rest readable.
 * Pure and total: a non-string is described first, and should redaction itself fail, the whole
 * text is withheld rather than shown unscrubbed.
 */
export const redact = (text: string): string => {
  try {
    return redactString(typeof text === "string" ? text : printable(text))
  } catch {
    return PLACEHOLDER
  }
}

/**
 * Removes every occurrence of the given secret strings, then applies {@link redact}. For text
 * from outside (an HTTP error body, a transport error) that might echo a webhook URL back. The
 * occurrences join the ranges the rules find, so the bound on growth holds here too.
 */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  try {
    const input = typeof text === "string" ? text : printable(text)
    return redactString(input, (report) => {
      for (const secret of secrets) {
        if (typeof secret !== "string" || secret.length === 0) continue
        for (let at = input.indexOf(secret); at !== -1; at = input.indexOf(secret, at + secret.length)) {
          report(at, at + secret.length, "")
        }
      }
    })
  } catch {
    return PLACEHOLDER
  }
}
