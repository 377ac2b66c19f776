/**
 * Wording and formatting shared by the destinations: how long an incident was open, the short
 * resolved line, wall-clock times, and cuts that respect a service's limits.
 *
 * @internal
 */

import { operationWhere, resolvedTitle } from "../alert.js"
import * as Describe from "../describe.js"
import type { AlertEvent, Resolved } from "../notifier.js"

/** Ends a text cut to fit a service's length limit. */
export const TRUNCATION_MARKER = "\n… [truncated]"

/** `text` cut to `max` UTF-16 units, the head kept, the cut marked. */
export const cut = (text: string, max: number): string =>
  Describe.truncate(text, max, max > TRUNCATION_MARKER.length * 4 ? TRUNCATION_MARKER : "…")

/** A one-line value cut to `max` with a plain ellipsis (labels, fields, headers). */
export const cutLine = (text: string, max: number): string => Describe.truncate(text, max)

/** How long something lasted, for people: `"12m 3s"` (see `Describe.elapsed`). */
export const elapsed = Describe.elapsed

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
export const where = (event: AlertEvent): string => operationWhere(event.operation, event.context)

/** The short line a resolved event renders as: `✅ RESOLVED: charge (billing) resolved after 12m 3s`. */
export const resolvedLine = (event: AlertEvent): string =>
  resolvedTitle(event.operation, event.context, event.at - event.startedAt)

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`

/** What a resolved incident counted, or `""`: `"47 failed attempts, 3 alerts suppressed"`. */
export const resolvedCounts = (event: Resolved): string =>
  [
    event.failures > 0 ? plural(event.failures, "failed attempt", "failed attempts") : "",
    event.suppressed > 0 ? plural(event.suppressed, "alert suppressed", "alerts suppressed") : ""
  ]
    .filter((part) => part !== "")
    .join(", ")

/** The failure as one line: `"Error: HTTP 500"`, or `undefined`. */
export const errorLine = (event: AlertEvent): string | undefined =>
  event._tag === "Resolved" ? undefined : `${event.error.type}: ${event.error.message}`

/**
 * Clock millis as an ISO 8601 time (`2024-05-01T12:00:00.000Z`). Out-of-range values (a broken
 * clock, a hand-made event) give the epoch rather than an exception inside the notifier.
 */
export const isoTime = (millis: number): string => {
  const date = new Date(millis)
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString()
}
