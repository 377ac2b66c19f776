import { Duration } from "effect"

/**
 * Safe descriptions of arbitrary failure values. Every function here is total: hostile values
 * (null, `Object.create(null)`, throwing getters or `toString`, proxies, 1 MB messages) never
 * make it throw, because it runs inside the limiter and the notifier.
 *
 * @internal
 */

const attempt = <A>(f: () => A): A | undefined => {
  try {
    return f()
  } catch {
    return undefined
  }
}

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 ? value : undefined

/**
 * The type name of a failure: `_tag` for tagged errors, else the class name for class
 * instances (`TypeError`, `class DbError extends Error`), else the `name` field, else `typeof`.
 */
export const typeName = (error: unknown): string => {
  if (error === null) return "null"
  if (typeof error !== "object" && typeof error !== "function") return typeof error
  return (
    attempt(() => {
      const tag = nonEmpty((error as { _tag?: unknown })._tag)
      if (tag !== undefined) return tag
      const ctor = nonEmpty(Object.getPrototypeOf(error)?.constructor?.name)
      // An `Error` subclass that only sets `name` keeps the class `Error`: prefer the name then.
      if (ctor !== undefined && ctor !== "Object" && ctor !== "Error") return ctor
      return nonEmpty((error as { name?: unknown }).name) ?? ctor ?? typeof error
    }) ?? typeof error
  )
}

/** The message of a failure: `message` when it is a string, else `String(error)`, else a placeholder. */
export const message = (error: unknown): string => {
  if (typeof error === "string") return error
  if (error === null || (typeof error !== "object" && typeof error !== "function")) return String(error)
  return (
    attempt(() => {
      const own = (error as { message?: unknown }).message
      if (typeof own === "string") return own
      return String(error)
    }) ??
    attempt(() => Object.prototype.toString.call(error)) ??
    "[unprintable value]"
  )
}

/** Cuts `text` to at most `max` characters, marking the cut with an ellipsis. */
export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`

/** `"{type}: {message}"` cut to `max` characters, for logs and alert text. */
export const summary = (error: unknown, max = 500): string =>
  truncate(`${typeName(error)}: ${message(error)}`, max)

/** A duration for humans, rounded to the millisecond: `"1s 500ms"`. */
export const duration = (value: Duration.Duration): string =>
  Duration.format(Duration.millis(Math.round(Duration.toMillis(value))))
