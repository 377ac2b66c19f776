import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

/**
 * Thrown synchronously when a combinator or layer is built with an invalid option.
 *
 * Invalid configuration is a programming error, so it fails loudly where the value is written,
 * not later inside a running fiber. `option` names the offending option.
 *
 * @example
 * ```ts
 * import { Retry } from "effect-retry-alerts"
 *
 * try {
 *   Retry.retry({ name: "fetchUser", maxAttempts: 0 })
 * } catch (error) {
 *   // InvalidOptionError: Invalid option "maxAttempts": must be a whole number from 1 to ..., got 0
 * }
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionError extends /*#__PURE__*/ Data.TaggedError("InvalidOptionError")<{
  readonly option: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid option "${this.option}": ${this.reason}`
  }
}

const show = (value: unknown): string => {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value)
  } catch {
    return "an unprintable value"
  }
}

const isNegativeOrNaN = (value: unknown): boolean => {
  if (typeof value === "number") return Number.isNaN(value) || value < 0
  if (typeof value === "bigint") return value < 0n
  if (typeof value === "string") return /^\s*-|nan/i.test(value)
  if (Array.isArray(value)) return value.some(isNegativeOrNaN)
  return false
}

/**
 * Decodes a duration option, rejecting negative, NaN, infinite and unparsable values
 * (Effect's own decoder silently turns `-1` and `NaN` into zero).
 *
 * @internal
 */
export const duration = (
  option: string,
  input: Duration.DurationInput,
  { allowZero = false }: { readonly allowZero?: boolean } = {}
): Duration.Duration => {
  const reject = (why: string) =>
    new InvalidOptionError({ option, reason: `must be a ${why} duration, got ${show(input)}` })
  const kind = allowZero ? "finite, non-negative" : "finite, positive"
  if (isNegativeOrNaN(input)) throw reject(kind)
  let decoded: Duration.Duration
  try {
    decoded = Duration.decode(input)
  } catch {
    throw reject(kind)
  }
  if (!Duration.isFinite(decoded)) throw reject(kind)
  if (!allowZero && Duration.toMillis(decoded) <= 0) throw reject(kind)
  return decoded
}

/** @internal */
export const wholeNumber = (option: string, value: unknown, min: number, max: number): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError({
      option,
      reason: `must be a whole number from ${min} to ${max}, got ${show(value)}`
    })
  }
  return value
}

/** @internal */
export const nonEmptyString = (option: string, value: unknown): string => {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidOptionError({ option, reason: `must be a non-empty string, got ${show(value)}` })
  }
  return value
}

const visible = /\S/

/**
 * A name shown to people (an operation, a resource): a string with at least one character that
 * is not white space.
 *
 * @internal
 */
export const name = (option: string, value: unknown): string => {
  // A visible first character settles it without a regular expression: this runs per call.
  if (
    typeof value === "string" &&
    value.length > 0 &&
    value.charCodeAt(0) > 32 &&
    value.charCodeAt(0) < 127
  ) {
    return value
  }
  if (typeof value !== "string" || !visible.test(value)) {
    throw new InvalidOptionError({ option, reason: `must be a non-blank string, got ${show(value)}` })
  }
  return value
}
