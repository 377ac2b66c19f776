/**
 * What an HTTP failure says about retrying: whether it is worth another try, and how long the
 * server asked to wait (`Retry-After`).
 *
 * `@effect/platform`'s errors are recognised by their type id, not through its `HttpClientError`
 * module, whose import would bring `Schema` into every bundle that retries, HTTP or not.
 *
 * @internal
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"

/** `HttpClientError.TypeId` of `@effect/platform`: a registered symbol, the same in every copy. */
const HTTP_CLIENT_ERROR: unique symbol = Symbol.for("@effect/platform/HttpClientError")

/** `HttpClientError.isHttpClientError`, without importing its module. */
const isHttpClientError = (u: unknown): u is HttpClientError.HttpClientError =>
  typeof u === "object" && u !== null && HTTP_CLIENT_ERROR in u

/** Statuses that a later try may not get: timeouts, rate limits, an overloaded or restarting server. */
const TRANSIENT_STATUSES: ReadonlySet<number> = /*#__PURE__*/ new Set([408, 429, 500, 502, 503, 504])

/** Whether `error` is a transport error, a timeout, or an answer with a transient status. */
export const isTransient = (error: unknown): boolean => {
  if (Cause.isTimeoutException(error)) return true
  if (!isHttpClientError(error)) return false
  if (error._tag === "RequestError") return error.reason === "Transport"
  return error.reason === "StatusCode" && TRANSIENT_STATUSES.has(error.response.status)
}

const DELTA_SECONDS = /^\d+(?:\.\d+)?$/

/**
 * Parses a `Retry-After` value: delta-seconds, or an HTTP date measured from `now` (Clock
 * millis). `undefined` when absent or unreadable; a date in the past is zero.
 */
export const parseRetryAfter = (header: string | undefined, now: number): Duration.Duration | undefined => {
  if (header === undefined) return undefined
  const trimmed = header.trim()
  if (DELTA_SECONDS.test(trimmed)) return Duration.millis(Math.ceil(Number(trimmed) * 1000))
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Duration.millis(Math.max(0, date - now))
}

/**
 * The wait a response error's `Retry-After` header asks for. An HTTP date is measured from the
 * response's own `Date` header when it has one (so neither clock's skew counts), else from `now`.
 */
export const retryAfter = (error: unknown, now: number): Duration.Duration | undefined => {
  if (!isHttpClientError(error) || error._tag !== "ResponseError") return undefined
  const headers = error.response.headers
  const sent = headers.date === undefined ? Number.NaN : Date.parse(headers.date)
  return parseRetryAfter(headers["retry-after"], Number.isNaN(sent) ? now : sent)
}
