/**
 * Values after secret-like names (`generic.ts`): `name=value`, `name: value`, JSON, XML,
 * `--name value` and `;`-separated connection strings, with camelCase and run-together names
 * (`AccountKey`, `SharedAccessSignature`, `clientSecret`). A name's last word decides: a strong
 * word (`password`, `secret`, `signature`) always, a weak one (`key`, `token`, `auth`) after a
 * qualifier (`apiKey`, `AccountKey`, `csrftoken`) or when the value itself looks like a token.
 *
 * @internal
 */
import type { Rule } from "./rule.js"
import { COLON, DOT, EQUALS, isWordAt, measure, randomAfterPrefix, SLASH, trimPadding } from "./shape.js"

/** Last words of a name that mark its value as a secret, whatever comes before them. */
const STRONG_WORDS = ["password", "passwd", "passphrase", "secret", "credential", "signature"]
/** Last words that are secret after a qualifier (`apiKey`, `AccountKey`, `bot_token`), and else
 * only when the value looks like a token. */
const WEAK_WORDS = ["key", "token", "auth", "sig", "pwd", "pass", "session"]
const QUALIFIERS = (
  "api access secret private account shared master signing client subscription storage auth " +
  "admin encryption service app bot bearer refresh id csrf xsrf webhook deploy personal " +
  "license sas primary secondary instrumentation ingestion write "
)
  .trim()
  .split(" ")
const PLURALS = new Set(["keys", "tokens", "secrets", "credentials", "passwords", "signatures"])

const NONE = 0
const WEAK = 1
const STRONG = 2

const isUpperCode = (code: number): boolean => code >= 65 && code <= 90
const isNameSeparator = (code: number): boolean => code === 45 || code === 95 || code === DOT

/**
 * The start of the last word of `name[0, end)`: words end at `-`, `_`, `.` and at camelCase
 * boundaries (`AccountKey` → `Account`, `Key`; `APIKey` → `API`, `Key`).
 */
const lastWordStart = (name: string, end: number): number => {
  let at = end
  if (isUpperCode(name.charCodeAt(at - 1))) {
    while (at > 0 && isUpperCode(name.charCodeAt(at - 1))) at--
    return at
  }
  while (at > 0) {
    const code = name.charCodeAt(at - 1)
    if (isNameSeparator(code)) return at
    if (isUpperCode(code)) return at - 1
    at--
  }
  return at
}

const qualified = (word: string | undefined): boolean =>
  word !== undefined && QUALIFIERS.some((qualifier) => word.endsWith(qualifier))

/**
 * How strongly a name marks its value as a secret. Its last word decides: a strong word
 * (`password`, `clientSecret`, `SharedAccessSignature`); a weak one after a qualifier
 * (`api_key`, `AccountKey`, `csrftoken`); a weak one alone (`token`). A word that only ends in one
 * (`monkey`, `bypass`) is no name of a secret.
 */
/** A name that can be a secret's ends in one of the words (or its plural): a quick test first. */
const ENDS_IN_WORD = new RegExp(`(?:${[...STRONG_WORDS, ...WEAK_WORDS].join("|")})s?[-_.]*$`, "i")

const strengthOf = (name: string): number => {
  if (!ENDS_IN_WORD.test(name)) return NONE
  let end = name.length
  while (end > 0 && isNameSeparator(name.charCodeAt(end - 1))) end--
  const start = lastWordStart(name, end)
  let last = name.slice(start, end).toLowerCase()
  if (PLURALS.has(last)) last = last.slice(0, -1)
  let before: string | undefined
  let beforeEnd = start
  while (beforeEnd > 0 && isNameSeparator(name.charCodeAt(beforeEnd - 1))) beforeEnd--
  if (beforeEnd > 0) before = name.slice(lastWordStart(name, beforeEnd), beforeEnd).toLowerCase()
  for (const word of STRONG_WORDS) if (last.endsWith(word)) return STRONG
  for (const word of WEAK_WORDS) {
    if (last === word) return qualified(before) ? STRONG : WEAK
    // Run together: `apikey`, `accountkey`, `csrftoken`, but not `monkey`.
    if (last.endsWith(word) && qualified(last.slice(0, -word.length))) return STRONG
  }
  return NONE
}

/** A value behind a name that is only sometimes secret: it must look like a token itself. */
const tokenLike = (text: string, from: number, to: number): boolean => {
  const end = trimPadding(text, from, to)
  if (end - from < 16) return false
  for (let i = from; i < end; i++) if (!isWordAt(text, i)) return false
  const stats = measure(text, from, end)
  return !stats.hex && randomAfterPrefix(stats, false)
}

const isNameCode = (code: number): boolean =>
  (code >= 48 && code <= 57) ||
  (code >= 65 && code <= 90) ||
  (code >= 97 && code <= 122) ||
  code === 45 ||
  code === 95 ||
  code === DOT
const isSpace = (code: number): boolean => code === 32 || code === 9

const isNameStartCode = (code: number): boolean =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95

/**
 * Whether a separator may follow the name that ends at `at` and contains `hit`: `=`, `:`, the `>`
 * of an XML tag, or the space of `--flag value`. A cheap test before the name is read.
 */
const separatorAhead = (text: string, hit: number, at: number): boolean => {
  let index = at
  let code = text.charCodeAt(index)
  if (code === 34 || code === 39) code = text.charCodeAt(++index)
  if (code === EQUALS || code === COLON || code === 62) return true
  if (!isSpace(code)) return false
  const limit = index + 8
  while (index < limit && isSpace(text.charCodeAt(index))) index++
  code = text.charCodeAt(index)
  if (code === EQUALS || code === COLON) return true
  // `--name value`: two dashes where the name starts.
  const stop = Math.max(1, hit - NAME_LIMIT)
  for (let i = hit - 1; i >= stop; i--) {
    const before = text.charCodeAt(i)
    if (before === 45 && text.charCodeAt(i - 1) === 45) return true
    if (!isNameCode(before)) return false
  }
  return false
}

const NAME_LIMIT = 64
/** Where an unquoted value ends after `=`, and after `:`. */
const EQUALS_STOP = new Set([..." \t\r\n;&\"'<>,(){}[]#|\\`"].map((char) => char.charCodeAt(0)))
const COLON_STOP = new Set([..." \t\r\n;\"'<>,(){}[]|\\`"].map((char) => char.charCodeAt(0)))
/** A shared access signature (`sv=…&sig=…`) runs to the end of its connection-string field. */
const SAS_STOP = new Set([..." \t\r\n;\"'<>"].map((char) => char.charCodeAt(0)))

/** The end of a quoted value that starts after its opening quote; the end of the text if unclosed. */
const quotedEnd = (text: string, from: number, quote: number): number => {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 92)
      i++ // a backslash escapes the next character
    else if (code === quote) return i
  }
  return text.length
}

const unquotedEnd = (text: string, from: number, stop: ReadonlySet<number>): number => {
  let end = from
  while (end < text.length && !stop.has(text.charCodeAt(end))) end++
  return end
}

/**
 * The value that follows the name ending at `nameEnd`, as `[start, end)`, or undefined when no
 * separator follows. `start` is where the name starts (for JSON, XML and `--flag` forms).
 */
const valueAfter = (
  text: string,
  nameStart: number,
  nameEnd: number,
  strength: number,
  name: string
): readonly [number, number] | undefined => {
  const length = text.length
  let at = nameEnd
  const before = nameStart > 0 ? text.charCodeAt(nameStart - 1) : -1
  // `"name": …`: the closing quote of the name.
  if ((text.charCodeAt(at) === 34 || text.charCodeAt(at) === 39) && before === text.charCodeAt(at)) at++
  // `<password>value</password>`
  if (before === 60 && text.charCodeAt(at) === 62) {
    if (strength !== STRONG) return undefined
    const end = text.indexOf("<", at + 1)
    return [at + 1, end === -1 ? length : end]
  }
  // `--password value`
  if (
    strength === STRONG &&
    nameStart >= 2 &&
    text.startsWith("--", nameStart - 2) &&
    text.charCodeAt(at) === 32 &&
    text.charCodeAt(at + 1) !== 45
  ) {
    return [at + 1, unquotedEnd(text, at + 1, COLON_STOP)]
  }
  const spaceLimit = at + 8
  while (at < spaceLimit && isSpace(text.charCodeAt(at))) at++
  const code = text.charCodeAt(at)
  let stop: ReadonlySet<number>
  if (code === EQUALS) {
    const next = text.charCodeAt(at + 1)
    if (next === EQUALS) return undefined // `==`: a comparison
    at += next === 62 ? 2 : 1 // `=>`
    stop = EQUALS_STOP
  } else if (code === COLON) {
    const next = text.charCodeAt(at + 1)
    if (next === COLON || (next === SLASH && text.charCodeAt(at + 2) === SLASH)) return undefined
    at++
    stop = COLON_STOP
  } else {
    return undefined
  }
  const valueLimit = at + 8
  while (at < valueLimit && isSpace(text.charCodeAt(at))) at++
  const quote = text.charCodeAt(at)
  if (quote === 34 || quote === 39) return [at + 1, quotedEnd(text, at + 1, quote)]
  if (text.startsWith("sv=", at) && /signature$/i.test(name)) stop = SAS_STOP
  return [at, unquotedEnd(text, at, stop)]
}

const KEYED_KEYWORDS = [
  "key",
  "token",
  "secret",
  "passw",
  "passphrase",
  "pwd",
  "pass",
  "auth",
  "credential",
  "signature",
  "sig",
  "session",
  "connectionstring"
]

/** The strengths of the names of one text, for `keyedValues` (redaction is synchronous). */
const STRENGTHS = new Map<string, number>()

/**
 * Values after secret-like names. Driven by the positions of its keywords: each name is read
 * once (a bounded distance either way), and a value once; keywords inside a value already read
 * are skipped.
 */
export const keyedValues: Rule = {
  keywords: KEYED_KEYWORDS,
  find: (text, hits, report) => {
    // Names repeat (`token=…&token=…`): each is judged once per text.
    const strengths = STRENGTHS
    if (strengths.size > 0) strengths.clear()
    let skipUntil = 0
    for (const hit of hits) {
      if (hit < skipUntil) continue
      let nameEnd = hit
      const forward = Math.min(text.length, hit + NAME_LIMIT)
      while (nameEnd < forward && isNameCode(text.charCodeAt(nameEnd))) nameEnd++
      skipUntil = nameEnd
      if (nameEnd === forward && forward < text.length && isNameCode(text.charCodeAt(forward))) continue
      if (!separatorAhead(text, hit, nameEnd)) continue
      let nameStart = hit
      const backward = Math.max(0, hit - NAME_LIMIT)
      while (nameStart > backward && isNameCode(text.charCodeAt(nameStart - 1))) nameStart--
      if (nameStart === backward && backward > 0 && isNameCode(text.charCodeAt(backward - 1))) continue
      // A name starts with a letter or `_` (`_authToken`); dots and dashes only join its words.
      while (nameStart < hit && !isNameStartCode(text.charCodeAt(nameStart))) nameStart++
      const name = text.slice(nameStart, nameEnd)
      let strength = strengths.get(name)
      if (strength === undefined) {
        strength = strengthOf(name)
        if (strengths.size < 1024) strengths.set(name, strength)
      }
      if (strength === NONE) continue
      const value = valueAfter(text, nameStart, nameEnd, strength, name)
      if (value === undefined) continue
      const [start, end] = value
      if (end <= start) continue
      skipUntil = Math.max(skipUntil, end)
      if (strength === WEAK && !tokenLike(text, start, end)) continue
      report(start, end, "")
    }
    // The names may be slices of a large text: not kept beyond this call.
    strengths.clear()
  }
}
