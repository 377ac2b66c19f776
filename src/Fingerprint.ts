/**
 * How an alert's signature is built: which failures count as "the same alert".
 *
 * @since 0.1.0
 */
import * as Describe from "./internal/describe.js"
import * as Options from "./internal/options.js"

/**
 * A signature strategy: `"exact"` (the default), `"normalized"`, or your own function of the
 * operation name, the error and the context.
 *
 * @since 0.1.0
 * @category models
 */
export type Fingerprint = "exact" | "normalized" | ((name: string, error: unknown, context: string) => string)

/**
 * How many characters of the error message take part in a signature.
 *
 * @since 0.1.0
 * @category constants
 */
export const MESSAGE_LENGTH = 100

/**
 * The original signature, `"{context}:{name}:{type}:{message head}"`: the context, the operation
 * name, the error's type (`_tag` for tagged errors, else its class or `name`, else `typeof`) and
 * the first 100 characters of its message. Total: it never throws, whatever the error value is.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * Fingerprint.exact("spend_credits", new TypeError("HTTP 500"), "billing")
 * // "billing:spend_credits:TypeError:HTTP 500"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const exact = (name: string, error: unknown, context = ""): string =>
  `${context}:${name}:${Describe.typeName(error)}:${Describe.message(error).slice(0, MESSAGE_LENGTH)}`

const hexId = (word: string): string => (/\d/.test(word) && /[a-f]/i.test(word) ? "<hex>" : word)

// Ordered: the specific shapes (URLs, emails, UUIDs, timestamps) before the generic ones (hex ids,
// numbers), so that a UUID does not become five numbers. A hex-looking word needs a digit and a
// letter to be an id ("deadbeef" stays). HTTP status codes tell one failure from another: the
// lookbehind keeps the number after "HTTP " or "status ".
const replacements: ReadonlyArray<readonly [RegExp, string | ((match: string) => string)]> = [
  [/\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?[^\s/?#:]+(?::\d+)?/gi, "$1<host>"],
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, "<email>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, "<date>"],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, "<time>"],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, "<ip>"],
  [/\b[0-9a-f]{1,4}(?::{1,2}[0-9a-f]{1,4}){2,7}\b/gi, "<ip>"],
  [/\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b/gi, "<duration>"],
  [/\b[0-9a-f]{8,}\b/gi, hexId],
  [/(?<!\b(?:HTTP\/?[\d.]*|status(?: code)?[:=]?)\s?)\b\d{2,}\b/gi, "<n>"]
]

/**
 * Replaces the parts of a message that change from one occurrence of a failure to the next with
 * placeholders: emails, URL hosts, UUIDs, dates and times, IPs, durations, hex ids of 8+
 * characters and numbers of 2+ digits. HTTP status codes (`HTTP 500`, `status 404`) are kept.
 * Meant for a message head: {@link normalized} passes it at most 400 characters.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * Fingerprint.normalize("HTTP 500 for request 8f3e1a2b9c after 1500ms")
 * // "HTTP 500 for request <hex> after <duration>"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const normalize = (message: string): string => {
  let text = message
  for (const [pattern, replacement] of replacements) {
    // Two branches for String#replace's two overloads (string and function replacements).
    text =
      typeof replacement === "string"
        ? text.replace(pattern, replacement)
        : text.replace(pattern, replacement)
  }
  return text
}

// Placeholders shorten the text, so more than 100 characters go in; a bound keeps the cost flat.
const NORMALIZED_INPUT_LENGTH = 4 * MESSAGE_LENGTH

/**
 * Like {@link exact}, but the message is {@link normalize}d before the 100-character cut, so
 * `HTTP 500 for request 8f3e1a2b9c` and `HTTP 500 for request 1a2b3c4d5e` share one signature.
 * Only the head of long messages is normalized, so the cost stays bounded.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * Fingerprint.normalized("charge", new Error("HTTP 500 for request 8f3e1a2b9c"), "billing")
 * // "billing:charge:Error:HTTP 500 for request <hex>"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const normalized = (name: string, error: unknown, context = ""): string =>
  `${context}:${name}:${Describe.typeName(error)}:${normalize(Describe.message(error).slice(0, NORMALIZED_INPUT_LENGTH)).slice(0, MESSAGE_LENGTH)}`

/**
 * The signature function of a {@link Fingerprint} strategy. A user function that throws or
 * returns something other than a string falls back to {@link exact} for that alert, so a bug in
 * it can't break the limiter. Throws `InvalidOptionError` (option `fingerprint`) for anything
 * that is not a strategy.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * const byCode = Fingerprint.toSignature((name, error, context) => `${context}:${name}:${(error as any)?.code}`)
 * byCode("query", Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }), "db") // "db:query:ETIMEDOUT"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const toSignature = (
  fingerprint: Fingerprint
): ((name: string, error: unknown, context: string) => string) => {
  if (fingerprint === "exact") return exact
  if (fingerprint === "normalized") return normalized
  if (typeof fingerprint !== "function") {
    throw new Options.InvalidOptionError({
      option: "fingerprint",
      reason: `must be "exact", "normalized" or a function`
    })
  }
  return (name, error, context) => {
    try {
      const signature = fingerprint(name, error, context)
      return typeof signature === "string" ? signature : exact(name, error, context)
    } catch {
      return exact(name, error, context)
    }
  }
}
