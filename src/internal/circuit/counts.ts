/**
 * What a circuit counts while closed, and the trip rule: failures in a row, the failure rate over
 * a sliding window with a minimum of calls, and the slow-call rate. Pure data, no Effect.
 *
 * @internal
 */
import { BUCKETS, Ring } from "../budgetWindow.js"

const CALLS = 0
const FAILURES = 1
const SLOW = 2

/** What one call was, for the counts. */
export type Outcome = "success" | "failure" | "slow-success" | "slow-failure"

/** The trip rule's thresholds. */
export interface Thresholds {
  readonly consecutiveFailures: number
  readonly failureRate: number
  readonly minimumCalls: number
  readonly windowMillis: number
  readonly slowRate: number
  /** Whether slow calls are told apart at all. */
  readonly slowCalls: boolean
}

const percent = (part: number, whole: number): string => `${Math.round((part / whole) * 100)}%`

const seconds = (millis: number): string => (millis % 1000 === 0 ? `${millis / 1000}s` : `${millis}ms`)

/**
 * The counts of one circuit: calls, failures and slow calls in the window (a ring of
 * {@link BUCKETS} buckets, `window / 10` wide), and the failures in a row.
 */
export class Counts {
  private readonly ring: Ring
  consecutive = 0

  constructor(head: number) {
    this.ring = new Ring(BUCKETS, 3, head)
  }

  /** Counts `outcome` in bucket `bucket`. */
  add(bucket: number, outcome: Outcome): void {
    const ring = this.ring
    ring.advance(bucket)
    ring.increment(CALLS)
    if (outcome === "failure" || outcome === "slow-failure") {
      ring.increment(FAILURES)
      this.consecutive++
    } else {
      this.consecutive = 0
    }
    if (outcome === "slow-success" || outcome === "slow-failure") ring.increment(SLOW)
  }

  /** Forgets every count (the circuit closed). */
  clear(bucket: number): void {
    this.ring.advance(bucket + BUCKETS)
    this.ring.head = bucket
    this.consecutive = 0
  }

  get calls(): number {
    return this.ring.totals[CALLS]!
  }

  get failures(): number {
    return this.ring.totals[FAILURES]!
  }

  get slow(): number {
    return this.ring.totals[SLOW]!
  }

  /**
   * Why the circuit should open, read at bucket `bucket`, or `undefined` while it should not.
   * The rates are compared in whole calls: `failures >= rate × calls`.
   */
  trips(bucket: number, thresholds: Thresholds): string | undefined {
    this.ring.advance(bucket)
    if (this.consecutive >= thresholds.consecutiveFailures) {
      return `${this.consecutive} calls in a row failed`
    }
    const calls = this.calls
    if (calls < thresholds.minimumCalls) return undefined
    const window = seconds(thresholds.windowMillis)
    if (this.failures > 0 && this.failures >= thresholds.failureRate * calls) {
      return `${this.failures} of ${calls} calls failed (${percent(this.failures, calls)}) in the last ${window}`
    }
    if (thresholds.slowCalls && this.slow > 0 && this.slow >= thresholds.slowRate * calls) {
      return `${this.slow} of ${calls} calls were slow (${percent(this.slow, calls)}) in the last ${window}`
    }
    return undefined
  }

  /** Whether the window is healthy again: under its rates, or with too few calls to say. */
  healthy(bucket: number, thresholds: Thresholds): boolean {
    this.ring.advance(bucket)
    const calls = this.calls
    if (calls < thresholds.minimumCalls) return this.consecutive === 0
    return (
      this.failures < thresholds.failureRate * calls &&
      (!thresholds.slowCalls || this.slow < thresholds.slowRate * calls)
    )
  }
}
