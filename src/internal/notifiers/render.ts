/**
 * Wording and formatting shared by the destinations: how long an incident was open, the short
 * resolved line, wall-clock times, and cuts that respect a service's limits.
 *
 * @internal
 */
import * as Describe from "../describe.js"
import type { AlertEvent } from "../notifier.js"

/** Ends a text cut to fit a service's length limit. */
export const TRUNCATION_MARKER = "\n… [truncated]"

/** `text` cut to `max` UTF-16 units, the head kept, the cut marked. */
export const cut = (text: string, max: number): string =>
  Describe.truncate(text, max, max > TRUNCATION_MARKER.length * 4 ? TRUNCATION_MARKER : "…")

/** A one-line value cut to `max` with a plain ellipsis (labels, fields, headers). */
export const cutLine = (text: string, max: number): string => Describe.truncate(text, max)

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

/**
 * The body of `text` shown under its title: the first line goes when it only repeats the title
 * (the alert path makes the title from that line).
 */
export const body = (title: string, text: string): string =>
  text === title
    ? ""
    : text.startsWith(`${title}\n`)
      ? text.slice(title.length + 1).replace(/^\s*\n/, "")
      : text

/** `charge (billing)`, or `charge` without a context. */
export const where = (event: AlertEvent): string =>
  event.context === "" ? event.operation : `${event.operation} (${event.context})`

/** The short line a resolved event renders as: `✅ RESOLVED: charge (billing) resolved after 12m 3s`. */
export const resolvedLine = (event: AlertEvent): string =>
  `✅ RESOLVED: ${where(event)} resolved after ${elapsed(event.at - event.startedAt)}`

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`

/** What a resolved incident counted, or `""`: `"47 failed attempts, 3 alerts suppressed"`. */
export const resolvedCounts = (event: AlertEvent): string =>
  [
    event.failures > 0 ? plural(event.failures, "failed attempt", "failed attempts") : "",
    event.suppressed > 0 ? plural(event.suppressed, "alert suppressed", "alerts suppressed") : ""
  ]
    .filter((part) => part !== "")
    .join(", ")

/** The failure as one line: `"Error: HTTP 500"`, or `undefined`. */
export const errorLine = (event: AlertEvent): string | undefined =>
  event.error === undefined ? undefined : `${event.error.type}: ${event.error.message}`

/**
 * Clock millis as an ISO 8601 time (`2024-05-01T12:00:00.000Z`). Out-of-range values (a broken
 * clock, a hand-made event) give the epoch rather than an exception inside the notifier.
 */
export const isoTime = (millis: number): string => {
  const date = new Date(millis)
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString()
}
