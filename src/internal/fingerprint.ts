/**
 * Alert signatures: which failures count as the same alert. `Fingerprint` documents and
 * re-exports these.
 */
import type { Fingerprint } from "../Fingerprint.js"
import * as Describe from "./describe.js"
import * as Options from "./options.js"

export const MESSAGE_LENGTH = 100

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

export const normalized = (name: string, error: unknown, context = ""): string =>
  `${context}:${name}:${Describe.typeName(error)}:${normalize(Describe.message(error).slice(0, NORMALIZED_INPUT_LENGTH)).slice(0, MESSAGE_LENGTH)}`

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
