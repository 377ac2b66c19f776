/**
 * Scrubs secrets out of free text before it reaches a chat channel or a log line.
 *
 * Two sets of rules: secretlint's rule packages (`redact/ruleset.ts`), maintained upstream and
 * refreshed by `npm update`, for the token formats they know; and the built-in rules
 * (`redact/builtin.ts`) for what an error message carries and a scanner of source files does not
 * look for: header, parameter and JSON values, credentials in URLs, webhook URLs, JSON web tokens,
 * and token shapes by prefix.
 *
 * Every rule has keywords. One scan of the text finds them all; a text with none (most error
 * messages) is returned as it is, and a rule runs only when one of its keywords is there. Rules
 * report ranges; overlapping ranges are joined, so the order of the rules does not decide what
 * is left of a secret. Linear in the length of the text, and total: whatever the input, a string
 * comes back.
 *
 * @internal
 */
import { BUILTIN_RULES } from "./redact/builtin.js"
import type { Rule } from "./redact/rule.js"
import { RULESET_RULES } from "./redact/ruleset.js"

/** What replaces a secret. */
export const PLACEHOLDER = "[REDACTED]"

const PREFIX = "[REDACTED"

const placeholder = (kind: string): string => (kind === "" ? PLACEHOLDER : `${PREFIX}:${kind}]`)

const RULES: ReadonlyArray<Rule> = [...BUILTIN_RULES, ...RULESET_RULES]

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

const KEYWORD_LIST = [
  ...new Set(RULES.flatMap((rule) => rule.keywords.map((keyword) => keyword.toLowerCase())))
]

/**
 * Every keyword, longest first so that the longest one starting at a position is the one found
 * there; the scan moves on by one character, so keywords inside others are found too.
 */
const KEYWORDS = new RegExp(
  [...KEYWORD_LIST]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join("|"),
  "gi"
)

/** For each keyword, the rules that listen to it or to a keyword it starts with. */
const LISTENERS = new Map<string, ReadonlyArray<number>>(
  KEYWORD_LIST.map((keyword) => [
    keyword,
    RULES.flatMap((rule, index) => (rule.keywords.some((own) => keyword.startsWith(own)) ? [index] : []))
  ])
)

interface Found {
  readonly start: number
  readonly end: number
  readonly kind: string
}

const printable = (value: unknown): string => {
  try {
    return String(value)
  } catch {
    return "[unprintable value]"
  }
}

const redactString = (text: string): string => {
  KEYWORDS.lastIndex = 0
  let match = KEYWORDS.exec(text)
  if (match === null) return text
  const hits: Array<Array<number> | undefined> = []
  for (; match !== null; match = KEYWORDS.exec(text)) {
    for (const rule of LISTENERS.get(match[0].toLowerCase()) ?? []) {
      const list = hits[rule]
      if (list === undefined) hits[rule] = [match.index]
      else list.push(match.index)
    }
    KEYWORDS.lastIndex = match.index + 1
  }

  const found: Array<Found> = []
  const report = (start: number, end: number, kind: string): void => {
    // A placeholder left by an earlier pass is not a secret: redacting twice changes nothing.
    if (start >= 0 && end > start && end <= text.length && !text.startsWith(PREFIX, start)) {
      found.push({ start, end, kind })
    }
  }
  for (let index = 0; index < RULES.length; index++) {
    const ruleHits = hits[index]
    const rule = RULES[index]!
    if (ruleHits === undefined || (rule.requires !== undefined && !text.includes(rule.requires))) continue
    rule.find(text, ruleHits, report)
  }
  if (found.length === 0) return text

  // Join overlapping ranges. The longest range of a group names the placeholder; on a tie, a
  // named kind over the plain one, then the first rule (the sort is stable).
  found.sort((a, b) => a.start - b.start || b.end - a.end)
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
    result += text.slice(kept, first.start) + placeholder(longest.kind)
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
 * from outside (an HTTP error body, a transport error) that might echo a webhook URL back.
 */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let result = typeof text === "string" ? text : printable(text)
  for (const secret of secrets) {
    if (typeof secret === "string" && secret.length > 0) result = result.split(secret).join(PLACEHOLDER)
  }
  return redact(result)
}
