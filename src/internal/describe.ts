import * as Duration from "effect/Duration"
import { redact } from "./redact/redact.js"

/**
 * Safe descriptions of arbitrary failure values. Every function here is total: hostile values
 * (null, `Object.create(null)`, throwing getters or `toString`, proxies, 1 MB messages) never
 * make it throw, because it runs inside the limiter and the notifier.
 *
 * @internal
 */

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 ? value : undefined

/**
 * The type name of a failure: `_tag` for tagged errors, else the class name for class
 * instances (`TypeError`, `class DbError extends Error`), else the `name` field, else `typeof`.
 */
export const typeName = (error: unknown): string => {
  if (error === null) return "null"
  if (typeof error !== "object" && typeof error !== "function") return typeof error
  // try/catch inline rather than through `attempt`: this runs on every limiter decision.
  try {
    const tag = nonEmpty((error as { _tag?: unknown })._tag)
    if (tag !== undefined) return tag
    const ctor = nonEmpty(Object.getPrototypeOf(error)?.constructor?.name)
    // An `Error` subclass that only sets `name` keeps the class `Error`: prefer the name then.
    if (ctor !== undefined && ctor !== "Object" && ctor !== "Error") return ctor
    return nonEmpty((error as { name?: unknown }).name) ?? ctor ?? typeof error
  } catch {
    return typeof error
  }
}

const MAX_FIELDS = 8
const MAX_FIELD_LENGTH = 100

/**
 * `key=value` for the first few own fields with primitive values: the useful part of a tagged
 * error such as `HttpError { status: 503 }`, which has no message of its own.
 */
const fields = (error: object): string =>
  Object.keys(error)
    .filter((key) => key !== "_tag" && key !== "message")
    .slice(0, MAX_FIELDS)
    .flatMap((key) => {
      const value = (error as Record<string, unknown>)[key]
      return value === null || (typeof value !== "object" && typeof value !== "function")
        ? [`${key}=${truncate(String(value), MAX_FIELD_LENGTH)}`]
        : []
    })
    .join(" ")

/**
 * The message of a failure: `message` when it is a non-empty string, else the primitive fields of
 * the object (`status=503`), else `String(error)`, else a placeholder.
 */
export const message = (error: unknown): string => {
  if (typeof error === "string") return error
  if (error === null || (typeof error !== "object" && typeof error !== "function")) return String(error)
  try {
    const own = (error as { message?: unknown }).message
    if (typeof own === "string" && own !== "") return own
    const described = fields(error)
    if (described !== "") return described
    return typeof own === "string" ? own : String(error)
  } catch {
    // A throwing getter or `toString`: fall back to the plainest description.
  }
  try {
    return Object.prototype.toString.call(error)
  } catch {
    return "[unprintable value]"
  }
}

/**
 * Cuts `text` to at most `max` UTF-16 units, keeping the head and ending with `marker` (an
 * ellipsis by default). Never splits a surrogate pair: a lone half would show as a broken
 * character.
 */
export const truncate = (text: string, max: number, marker = "…"): string => {
  if (text.length <= max) return text
  let end = Math.max(0, max - marker.length)
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return text.slice(0, end) + marker
}

/**
 * The first `length` characters of `text`, ending at white space when the cut would split a word:
 * a secret is one word, and half of one is not recognisable.
 */
const head = (text: string, length: number): string => {
  if (text.length <= length) return text
  const cut = text.slice(0, length)
  const space = cut.search(/\s\S*$/)
  return space > 0 ? cut.slice(0, space) : cut
}

/**
 * `"{type}: {message}"`, scrubbed of secrets by `redact` and cut to `max` characters, for logs
 * and alert text. Redaction runs before the cut, so a secret cut in half can't slip past the
 * patterns; only a bounded head is scrubbed, so a 1 MB message costs no more than a short one,
 * and that head ends between two words, so that a secret it cuts is not half kept (redaction
 * may shrink what comes before, and bring the head's end into the text).
 */
export const summary = (error: unknown, max = 500): string =>
  truncate(redact(`${typeName(error)}: ${head(message(error), 4 * max)}`), max)

/**
 * The message of a failure alone, scrubbed and cut as {@link summary} does: for a span event,
 * whose `error.type` says the type.
 */
export const scrubbedMessage = (error: unknown, max = 500): string =>
  truncate(redact(head(message(error), 4 * max)), max)

/** A duration for humans, rounded to the millisecond: `"1s 500ms"`. */
export const duration = (value: Duration.Duration): string =>
  Duration.format(Duration.millis(Math.round(Duration.toMillis(value))))

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000]
]

/**
 * How long something lasted, for people: `"12m 3s"`, `"2h 5m"`, `"3d 4h"`. Whole seconds, at most
 * the two largest units (a day-long incident is not read to the second); `"0s"` under a second.
 */
export const elapsed = (millis: number): string => {
  if (!Number.isFinite(millis) || millis < 1000) return "0s"
  let rest = Math.floor(millis / 1000) * 1000
  const parts: Array<string> = []
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size)
    rest -= count * size
    if (count > 0 || parts.length > 0) parts.push(`${count}${unit}`)
    if (parts.length === 2) break
  }
  // "1h 0m" says no more than "1h".
  return parts.filter((part, i) => i === 0 || !/^0\D/.test(part)).join(" ")
}
