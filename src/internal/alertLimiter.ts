/**
 * The alert limiter: its service, its tag, the memory limiter, and the parts the Redis limiter
 * shares with it (options, the map that keeps its newest entries, the channel ceiling's period).
 * Open incidents are another service: `incidents.ts`.
 *
 * @internal
 */

import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { Admission, AlertLimiterService, Decision } from "../AlertLimiter.js"
import type { Fingerprint as FingerprintType } from "../Fingerprint.js"
import * as Fingerprint from "./fingerprint.js"
import { setNewest } from "./lru.js"
import * as Metrics from "./metrics.js"
import * as Options from "./options.js"

/** Minimum time between two alerts with the same signature. */
export const DEFAULT_WINDOW: Duration.Duration = /*#__PURE__*/ Duration.minutes(5)

/** Default bound on the number of signatures remembered. */
export const DEFAULT_MAX_ENTRIES = 10_000

/** Default channel ceiling: alerts per minute across all signatures. */
export const DEFAULT_CEILING = 20

/** The channel ceiling counts alerts per this period. */
export const CEILING_PERIOD_MILLIS = 60_000

// The service's types are the public module's (where the API reference documents them), here for
// the internal modules that import them from this one.
export type { Admission, AlertLimiterService, Decision }

/** The alert limiter service tag. */
export class AlertLimiter extends /*#__PURE__*/ Context.Tag("effect-retry-alerts/AlertLimiter")<
  AlertLimiter,
  AlertLimiterService
>() {}

/** The options both limiters take. */
export interface LimiterOptions {
  readonly window?: Duration.DurationInput | undefined
  readonly maxEntries?: number | undefined
  readonly fingerprint?: FingerprintType | undefined
  readonly ceiling?: number | undefined
}

/** {@link LimiterOptions}, validated. */
export interface LimiterSettings {
  readonly windowMillis: number
  readonly maxEntries: number
  readonly ceiling: number
  readonly signature: (name: string, error: unknown, context: string) => string
}

/** Validates the options both limiters take, throwing `InvalidOptionError` naming the bad one. */
export const settings = (options: LimiterOptions): LimiterSettings => ({
  windowMillis: Duration.toMillis(Options.duration("window", options.window ?? DEFAULT_WINDOW)),
  maxEntries: Options.wholeNumber(
    "maxEntries",
    options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    1,
    Number.MAX_SAFE_INTEGER
  ),
  ceiling: Options.wholeNumber("ceiling", options.ceiling ?? DEFAULT_CEILING, 0, 1_000_000),
  signature: Fingerprint.toSignature(options.fingerprint ?? "exact")
})

interface Entry {
  lastSentAt: number
  suppressed: number
}

interface CeilingState {
  readonly times: Array<number>
  next: number
  heldBack: number
}

const firstSend: Decision = { send: true, suppressed: 0, lastSentAt: undefined }
const admittedClean: Admission = { admitted: true, heldBack: 0 }

/** The memory limiter: a `Map` in a `Ref` made when the effect runs, time from its `Clock`. */
export const makeMemory = (options: LimiterOptions = {}): Effect.Effect<AlertLimiterService> => {
  const { windowMillis, maxEntries, ceiling, signature } = settings(options)

  // Runs inside `Ref.modify`, which is synchronous: no other fiber sees a half-made decision.
  // The map is updated in place; a persistent map would allocate on every decision for no gain
  // in safety. Returns whether to send; allocates nothing on the hot (suppressed) path.
  const decideSend = (entries: Map<string, Entry>, key: string, now: number): boolean => {
    const entry = entries.get(key)
    if (entry === undefined) {
      setNewest(entries, key, { lastSentAt: now, suppressed: 0 }, maxEntries)
      Metrics.limiterEntries.unsafeUpdate(entries.size, [])
      return true
    }
    if (now - entry.lastSentAt >= windowMillis) {
      entry.lastSentAt = now
      entry.suppressed = 0
      setNewest(entries, key, entry, maxEntries)
      return true
    }
    entry.suppressed++
    return false
  }

  const decide = (entries: Map<string, Entry>, key: string, now: number): Decision => {
    const before = entries.get(key)
    if (before === undefined) {
      decideSend(entries, key, now)
      return firstSend
    }
    // Read before deciding: a send reports the counts it resets.
    const { lastSentAt, suppressed } = before
    return decideSend(entries, key, now)
      ? { send: true, suppressed, lastSentAt }
      : { send: false, suppressed: before.suppressed, lastSentAt } // the entry, now counting this one
  }

  // The ceiling is a sliding period: a ring of the last `ceiling` admission times. The oldest
  // one, at `next`, must be a period old before another alert is admitted.
  const admitIn = (state: CeilingState, now: number): Admission => {
    const oldest = state.times[state.next]
    if (oldest !== undefined && now - oldest < CEILING_PERIOD_MILLIS) {
      state.heldBack++
      return { admitted: false, heldBack: state.heldBack }
    }
    state.times[state.next] = now
    state.next = (state.next + 1) % ceiling
    const heldBack = state.heldBack
    state.heldBack = 0
    return heldBack === 0 ? admittedClean : { admitted: true, heldBack }
  }

  return Effect.gen(function* () {
    // The Clock of the fiber that builds the layer (the TestClock in a test). Taken once, so a
    // decision is a single `Ref.modify`.
    const clock = yield* Effect.clock
    const ref = yield* Ref.make(new Map<string, Entry>())
    const ceilingRef = yield* Ref.make<CeilingState>({ times: [], next: 0, heldBack: 0 })
    return {
      signature,
      check: (key) =>
        Ref.modify(ref, (entries) => [decide(entries, key, clock.unsafeCurrentTimeMillis()), entries]),
      admit:
        ceiling === 0
          ? Effect.succeed(admittedClean)
          : Ref.modify(ceilingRef, (state) => [admitIn(state, clock.unsafeCurrentTimeMillis()), state]),
      reset: Effect.zipRight(
        Ref.set(ceilingRef, { times: [], next: 0, heldBack: 0 }),
        Ref.update(ref, () => new Map())
      ),
      size: Effect.map(Ref.get(ref), (entries) => entries.size)
    } satisfies AlertLimiterService
  })
}
