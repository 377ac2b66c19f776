/**
 * What an HTTP failure says about retrying: whether it is worth another try, and how long the
 * server asked to wait (`Retry-After`).
 *
 * @internal
 */
import { HttpClientError } from "@effect/platform"
import { Cause, Duration } from "effect"

/** Statuses that a later try may not get: timeouts, rate limits, an overloaded or restarting server. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

/** Whether `error` is a transport error, a timeout, or an answer with a transient status. */
export const isTransient = (error: unknown): boolean => {
  if (Cause.isTimeoutException(error)) return true
  if (!HttpClientError.isHttpClientError(error)) return false
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
  if (!HttpClientError.isHttpClientError(error) || error._tag !== "ResponseError") return undefined
  const headers = error.response.headers
  const sent = headers.date === undefined ? Number.NaN : Date.parse(headers.date)
  return parseRetryAfter(headers["retry-after"], Number.isNaN(sent) ? now : sent)
}
