/**
 * How random a word looks, for the generic detectors (`generic.ts`): the classes of characters,
 * and the statistics of a token's body once its word-like and number-like parts are set aside.
 *
 * @internal
 */

/** The kinds of ASCII characters (`CLASS[code]`); every other character is `OTHER`. */
export const OTHER = 0
export const UPPER = 1
export const LOWER = 2
export const DIGIT = 3
/** `-` and `_`: parts of a word, and where a prefix ends or a body splits into segments. */
export const SEP = 4
/** `+` and `/`: base64. `/` also splits a path into segments. `=` is a word character only as
 * the padding at the end of a word. */
export const B64 = 5

export const CLASS = new Uint8Array(128)
for (let code = 65; code <= 90; code++) CLASS[code] = UPPER
for (let code = 97; code <= 122; code++) CLASS[code] = LOWER
for (let code = 48; code <= 57; code++) CLASS[code] = DIGIT
CLASS[45] = SEP // -
CLASS[95] = SEP // _
CLASS[43] = B64 // +
CLASS[47] = B64 // /

export const classAt = (text: string, index: number): number => {
  const code = text.charCodeAt(index)
  return code < 128 ? CLASS[code]! : OTHER
}
export const isWordAt = (text: string, index: number): boolean => classAt(text, index) !== OTHER
export const isAlnumAt = (text: string, index: number): boolean => {
  const kind = classAt(text, index)
  return kind === UPPER || kind === LOWER || kind === DIGIT
}
export const SLASH = 47
export const EQUALS = 61
export const DOT = 46
export const COLON = 58

/** Whether `text[from, to)` has letters of one case only (digits allowed). */
export const oneCase = (text: string, from: number, to: number): boolean => {
  let upper = false
  let lower = false
  for (let i = from; i < to; i++) {
    const kind = classAt(text, i)
    if (kind === UPPER) upper = true
    else if (kind === LOWER) lower = true
  }
  return !(upper && lower)
}

export const isLetterAt = (text: string, index: number): boolean => {
  const kind = classAt(text, index)
  return kind === UPPER || kind === LOWER
}

/** Trailing base64 padding is not part of what is measured. */
export const trimPadding = (text: string, from: number, to: number): number => {
  let end = to
  while (end > from && text.charCodeAt(end - 1) === EQUALS) end--
  return end
}

/** Statistics of a body, once its word-like and number-like segments are set aside. */
interface Body {
  /** Characters kept (letters, digits, `+`, `/`, `=` of the random-looking segments). */
  length: number
  /** Characters of every segment, words and numbers included. */
  total: number
  /** Vowels (`aeiouy`, either case) among the kept letters. */
  vowels: number
  /** Characters of the short (5 or fewer) segments set aside as words or numbers. */
  short: number
  upper: number
  lower: number
  digits: number
  /** Changes of the kind of character (upper, lower, digit, other) between neighbours. */
  changes: number
  /** Shannon entropy of the kept characters, in bits per character. */
  entropy: number
  /** Every kept character is a hex digit of one case. */
  hex: boolean
  /** The longest segment made only of hex digits. */
  longestHex: number
}

// Scratch space for one analysis at a time: redaction is synchronous.
const counts = new Int32Array(128)
const touched: Array<number> = []
const body: Body = {
  length: 0,
  total: 0,
  vowels: 0,
  short: 0,
  upper: 0,
  lower: 0,
  digits: 0,
  changes: 0,
  entropy: 0,
  hex: true,
  longestHex: 0
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

/** `VOWEL[code]`: 1 for `aeiouy`, either case. */
const VOWEL = new Uint8Array(128)
for (const char of "aeiouyAEIOUY") VOWEL[char.charCodeAt(0)] = 1

/**
 * The most common letter pairs of English words: in names (`PaymentServiceImpl`, `sendMessage`,
 * `acmepaymentsprod`) 75 to 100% of the pairs are among them, in random letters about 30%.
 */
const COMMON_PAIRS = new Uint8Array(26 * 26)
for (const pair of (
  "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me " +
  "de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no ct us ac ot il " +
  "tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir " +
  "su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr " +
  "od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um " +
  "pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu " +
  "ph og ms ye ud mb ip ub oa"
).split(" ")) {
  COMMON_PAIRS[(pair.charCodeAt(0) - 97) * 26 + pair.charCodeAt(1) - 97] = 1
}

/**
 * Whether the letters of `text[from, to)` read as a name rather than random letters. Split into
 * words at digits and capitals (`ApiV2Handler` → `Api`, `V`, `Handler`; `HTTPServer` → `HTTP`,
 * `Server`), most letter pairs within the words must be common in English (75%, 80% beside
 * digits; random letters reach that about once in a thousand times at 20 letters), and with both
 * cases the shape must be camelCase: lower-case runs of two letters or more behind single
 * capitals, at most one acronym. Three letters or fewer always pass.
 */
const wordLike = (text: string, from: number, to: number): boolean => {
  let letters = 0
  let pairs = 0
  let common = 0
  let upper = 0
  let lower = 0
  let digits = 0
  let lowerRuns = 0
  let singles = 0
  let capitalRuns = 0
  let previous = -1 // the previous letter of the word, lower-case; -1 at a word's start
  let before = OTHER
  let kind = from < to ? classAt(text, from) : OTHER
  for (let i = from; i < to; i++) {
    const after = i + 1 < to ? classAt(text, i + 1) : OTHER
    if (kind === UPPER || kind === LOWER) {
      letters++
      if (kind === UPPER) {
        upper++
        // A capital starts a word after a lower-case letter, or as the last capital before one.
        if (before === LOWER || (before === UPPER && after === LOWER)) previous = -1
        if (before !== UPPER && after === UPPER) capitalRuns++
      } else {
        lower++
        if (before !== LOWER) {
          lowerRuns++
          if (after === UPPER || after === DIGIT) singles++
        }
      }
      const code = text.charCodeAt(i) | 32
      if (previous !== -1) {
        pairs++
        common += COMMON_PAIRS[(previous - 97) * 26 + code - 97]!
      }
      previous = code
    } else {
      if (kind === DIGIT) digits++
      previous = -1
    }
    before = kind
    kind = after
  }
  if (letters <= 3) return true
  if (common < (digits > 0 ? 0.8 : 0.75) * pairs) return false
  return upper === 0 || lower === 0 || (singles <= 1 && capitalRuns <= 1 && lower >= 2 * lowerRuns)
}

/** How much of a body is measured: enough to judge it, and a bound on the cost of a long word. */
export const MEASURE_LIMIT = 1024

/** `HEX[code]`: 1 for a digit, 2 for `a-f`, 3 for `A-F`, 0 for anything else. */
export const HEX = new Uint8Array(128)
for (let code = 48; code <= 57; code++) HEX[code] = 1
for (let code = 97; code <= 102; code++) HEX[code] = 2
for (let code = 65; code <= 70; code++) HEX[code] = 3

/** `count * log2(count)`, for the entropy of up to `MEASURE_LIMIT` characters. */
const C_LOG_C = new Float64Array(MEASURE_LIMIT + 1)
for (let count = 1; count <= MEASURE_LIMIT; count++) C_LOG_C[count] = count * Math.log2(count)

/**
 * Fills `body` with the statistics of `text[from, until)` (its first `MEASURE_LIMIT` characters),
 * segment by segment: a segment is counted as it is read, and taken back if it reads as a word
 * or a number.
 */
export const measure = (text: string, from: number, until: number): Body => {
  const to = Math.min(until, from + MEASURE_LIMIT)
  for (const code of touched) counts[code] = 0
  touched.length = 0
  let kept = 0
  let total = 0
  let totalVowels = 0
  let short = 0
  let totalUpper = 0
  let totalLower = 0
  let totalDigits = 0
  let changes = 0
  let hexKinds = 0 // bit 1: a-f seen, bit 2: A-F seen, bit 4: a non-hex character seen
  let longestHex = 0
  let segment = from
  while (segment < to) {
    // A UUID is an id, whatever surrounds it.
    if (
      to - segment >= 36 &&
      text.charCodeAt(segment + 8) === 45 &&
      UUID.test(text.slice(segment, segment + 36))
    ) {
      segment += 36
      continue
    }
    let end = segment
    let upper = 0
    let lower = 0
    let digits = 0
    let segmentHex = 0
    let segmentChanges = 0
    let vowels = 0
    let previous = -1
    for (; end < to; end++) {
      const code = text.charCodeAt(end)
      if (code === SLASH || code === 45 || code === 95) break
      const kind = code < 128 ? CLASS[code]! : OTHER
      if (kind === UPPER || kind === LOWER) {
        if (kind === UPPER) upper++
        else lower++
        vowels += VOWEL[code]!
      } else if (kind === DIGIT) digits++
      if (kind !== previous && previous !== -1) segmentChanges++
      previous = kind
      const hex = code < 128 ? HEX[code]! : 0
      segmentHex |= hex === 0 ? 4 : hex === 2 ? 1 : hex === 3 ? 2 : 0
      if (code < 128) {
        if (counts[code] === 0) touched.push(code)
        counts[code]!++
      }
    }
    const length = end - segment
    total += length
    const numeric = digits === length
    // Letters, or a name with a number in it (`ApiV2Handler`, `replica02`).
    const named = upper + lower + digits === length && digits <= Math.max(2, length / 8)
    if (length > 0 && (numeric || (named && wordLike(text, segment, end)))) {
      // A word or a number: taken back.
      if (length <= 5) short += length
      for (let i = segment; i < end; i++) {
        const code = text.charCodeAt(i)
        if (code < 128) counts[code]!--
      }
    } else if (length > 0) {
      if ((segmentHex & 4) === 0 && digits > 0 && length > longestHex) longestHex = length
      kept += length
      totalUpper += upper
      totalLower += lower
      totalDigits += digits
      totalVowels += vowels
      changes += segmentChanges
      hexKinds |= segmentHex
    }
    segment = end + 1
  }
  let sum = 0
  for (const code of touched) sum += C_LOG_C[counts[code]!]!
  body.length = kept
  body.total = total
  body.vowels = totalVowels
  body.short = short
  body.upper = totalUpper
  body.lower = totalLower
  body.digits = totalDigits
  body.changes = changes
  body.hex = (hexKinds & 4) === 0 && hexKinds !== 3
  body.longestHex = longestHex
  body.entropy = kept === 0 ? 0 : Math.log2(kept) - sum / kept
  return body
}

/** Minimum entropy of a random-looking body of `length` characters, in bits per character. */
const entropyFloor = (length: number, cap: number): number => Math.min(cap, 0.72 * Math.log2(length))

/**
 * A body after a prefix: at least 18 random-looking characters; or, when they mix both cases, 12
 * that make 16 with the short parts set aside as words (a random base64url body is cut by `-` and
 * `_` into parts, some of which read as short words).
 */
export const PREFIXED_MIN = 18
const MIXED_MIN = 12
const MIXED_WITH_SHORT = 16
/** A hex body after a prefix: as long as the shortest hex tokens (32). */
const HEX_MIN = 32
/** A word with no prefix at all: at least 32 characters, of all three kinds. */
export const BARE_MIN = 32

export const randomAfterPrefix = (stats: Body, hexAllowed: boolean): boolean => {
  const { length } = stats
  if (stats.hex) {
    return (
      hexAllowed &&
      length >= HEX_MIN &&
      stats.longestHex >= 24 &&
      stats.digits >= length / 5 &&
      length - stats.digits >= 2 &&
      stats.changes >= 4 &&
      stats.entropy >= 2.8
    )
  }
  const mixedCase = stats.upper > 0 && stats.lower > 0
  if (
    length < PREFIXED_MIN &&
    !(mixedCase && length >= MIXED_MIN && length + stats.short >= MIXED_WITH_SHORT)
  ) {
    return false
  }
  const letters = stats.upper + stats.lower
  if (stats.digits === 0 && (stats.upper < length / 8 || stats.lower < length / 8)) return false
  if (letters === 0 || stats.entropy < entropyFloor(length, 4)) return false
  // Random text changes kind (upper, lower, digit) at about 5 to 6 characters in 10 with both
  // cases; words, numbers and dates far less often.
  if (mixedCase) return stats.changes >= length / 5
  // With one case, 3 to 4 in 10, fewer when digits are few; then the letters must not read like
  // words either, which have more vowels (2 in 5) than random letters (1 in 4, with `y`).
  return (
    stats.changes >= length / 6 ||
    stats.vowels <= 0.3 * letters ||
    (stats.changes >= length / 10 && stats.vowels <= 0.4 * letters)
  )
}

export const randomBare = (stats: Body): boolean => {
  const { length } = stats
  return (
    !stats.hex &&
    length >= BARE_MIN &&
    stats.digits >= 1 &&
    stats.upper >= 2 &&
    stats.lower >= 2 &&
    stats.changes >= length / 4 &&
    stats.entropy >= entropyFloor(length, 4.3)
  )
}

// A reverse table for base64 and base64url; -1 for other characters.
const BASE64 = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) {
  BASE64["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i
}
BASE64[45] = 62 // -
BASE64[95] = 63 // _

/**
 * Whether `text[from, to)` is base64 of text (JSON, a message, a path): most of its decoded bytes
 * are printable. Random bytes, as in a key, are printable about one time in three.
 */
export const base64OfText = (text: string, from: number, until: number): boolean => {
  const to = Math.min(until, from + MEASURE_LIMIT)
  let bits = 0
  let buffer = 0
  let bytes = 0
  let printable = 0
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i)
    if (code === EQUALS) break
    const value = code < 128 ? BASE64[code]! : -1
    if (value < 0) return false
    buffer = ((buffer << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      const byte = (buffer >> bits) & 0xff
      bytes++
      if ((byte >= 32 && byte < 127) || byte === 9 || byte === 10 || byte === 13) printable++
    }
  }
  return bytes > 0 && printable >= 0.85 * bytes
}
