/**
 * What a redaction rule is, for the engine in `../redact.ts`: the keywords that gate it, and a
 * function that reports where the secrets are.
 *
 * @internal
 */

/**
 * Reports that `text.slice(start, end)` is a secret, to be shown as `[REDACTED:kind]`, or as
 * `[REDACTED]` when `kind` is empty.
 */
export type Report = (start: number, end: number, kind: string) => void

/** Whether `text.slice(start, end)` lies within what the rules before this one reported. */
export type Covered = (start: number, end: number) => boolean

export interface Rule {
  /**
   * Lower-case strings of which the text must contain one, in any case, for the rule to run. Most
   * texts contain none, and then cost one scan for all rules together.
   */
  readonly keywords: ReadonlyArray<string>
  /**
   * Runs on every text, keywords or not (the generic token shapes, which have no keyword): its
   * `hits` are empty. Such a rule must cost one pass over the text.
   */
  readonly always?: boolean | undefined
  /** A string the text must also contain, exactly (`=` for `name=value`, `@` for URL users). */
  readonly requires?: string | undefined
  /**
   * Whether `find` reads the positions in `hits`; when false, `hits` holds only the first one (a
   * text full of keywords then costs no list of them). Default: true.
   */
  readonly positions?: boolean | undefined
  /**
   * Reports the secrets of `text`. `hits` are the positions where the keywords occur, ascending.
   * `covered` tells what the rules before this one already found (a rule that runs on every text
   * need not judge it again). Must run in time linear in the length of the text (or bounded per
   * hit).
   */
  readonly find: (text: string, hits: ReadonlyArray<number>, report: Report, covered?: Covered) => void
}

/**
 * A rule from one global regular expression with two capture groups, matched from the start of
 * the match: the text kept before the secret (possibly empty), then the secret.
 */
export const pattern = (
  keywords: ReadonlyArray<string>,
  regex: RegExp,
  kind: string | ((secret: string) => string),
  requires?: string
): Rule => ({
  keywords,
  requires,
  positions: false,
  find: (text, _hits, report) => {
    // `lastIndex` is reset per use: the regex is shared and a previous call may have thrown.
    regex.lastIndex = 0
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const secret = match[2] ?? ""
      if (secret === "") {
        if (match[0] === "") regex.lastIndex++
        continue
      }
      const start = match.index + (match[1]?.length ?? 0)
      report(start, start + secret.length, typeof kind === "string" ? kind : kind(secret))
    }
  }
})

/** Characters of a token: base64, base64url, and the `-_` that most token formats use. */
export const isTokenChar = (code: number): boolean =>
  (code >= 48 && code <= 57) || // 0-9
  (code >= 65 && code <= 90) || // A-Z
  (code >= 97 && code <= 122) || // a-z
  code === 43 || // +
  code === 45 || // -
  code === 47 || // /
  code === 61 || // =
  code === 95 // _

/** The end of the run of token characters that starts at or continues through `from`. */
export const tokenEnd = (text: string, from: number, limit: number): number => {
  const stop = Math.min(text.length, from + limit)
  let end = from
  while (end < stop && isTokenChar(text.charCodeAt(end))) end++
  return end
}
