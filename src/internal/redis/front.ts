/**
 * The Redis limiter's front in the process: of concurrent asks for one signature, one goes to
 * Redis per window and the others are answered here.
 *
 * @internal
 */
import type { Decision } from "../alertLimiter.js"
import { setNewest } from "../lru.js"

/** What this process knows about one signature. */
export interface FrontEntry {
  /** Clock time before which this process answers alone, without asking Redis. */
  until: number
  /** The last alert sent, as far as this process knows. */
  lastSentAt: number | undefined
  /** Suppressions last reported by Redis (or counted here after deciding alone). */
  suppressed: number
  /** Suppressions answered here and not yet reported to Redis. */
  pending: number
  /** Whether this process sent the alert at `lastSentAt` (it writes it back if Redis loses it). */
  sentHere: boolean
}

export type Claim =
  | { readonly _tag: "Answered"; readonly decision: Decision }
  | {
      readonly _tag: "AskRedis"
      readonly entry: FrontEntry
      readonly pending: number
      /** The answer when Redis does not give one: what a memory limiter in this process says. */
      readonly fallback: Decision
    }

/**
 * Unlike the memory limiter, the front learns from Redis: when another process sent the alert,
 * it waits for that alert's window, not a window from now.
 */
export const make = (windowMillis: number, maxEntries: number) => {
  const entries = new Map<string, FrontEntry>()

  const claim = (signature: string, now: number): Claim => {
    const entry = entries.get(signature)
    if (entry !== undefined && now < entry.until) {
      entry.pending++
      return {
        _tag: "Answered",
        decision: { send: false, suppressed: entry.suppressed + entry.pending, lastSentAt: entry.lastSentAt }
      }
    }
    const pending = entry?.pending ?? 0
    const fallback: Decision = { send: true, suppressed: pending, lastSentAt: entry?.lastSentAt }
    // Assume this ask sends; Redis corrects it. Forgetting a signature (past `maxEntries`) only
    // costs a round trip: its next ask goes to Redis.
    const claimed: FrontEntry = {
      until: now + windowMillis,
      lastSentAt: now,
      suppressed: 0,
      pending: 0,
      sentHere: true
    }
    setNewest(entries, signature, claimed, maxEntries)
    return { _tag: "AskRedis", entry: claimed, pending, fallback }
  }

  /** Redis said another process sent the alert at `lastSentAt`. */
  const learn = (entry: FrontEntry, now: number, lastSentAt: number, suppressed: number): void => {
    // Capped at a window from now: a host with a clock far ahead must not silence this one for
    // longer than Redis would (its record expires).
    entry.until = Math.min(lastSentAt + windowMillis, now + windowMillis)
    entry.lastSentAt = lastSentAt
    entry.suppressed = suppressed
    entry.sentHere = false
  }

  /** The alerts this process sent whose window is still running at `now`. */
  const sentHere = (now: number): Array<{ readonly signature: string; readonly sentAt: number }> => {
    const sent: Array<{ readonly signature: string; readonly sentAt: number }> = []
    for (const [signature, entry] of entries) {
      if (entry.sentHere && now < entry.until) sent.push({ signature, sentAt: entry.lastSentAt! })
    }
    return sent
  }

  return { claim, learn, sentHere, clear: () => entries.clear(), size: () => entries.size }
}
