/**
 * The alert limiter: its service, its tag, the memory limiter, and the parts the Redis limiter
 * shares with it (options, the map that keeps its newest entries, the channel ceiling's period).
 *
 * @internal
 */
import { Context, Duration, Effect, Ref } from "effect"
import * as Fingerprint from "../Fingerprint.js"
import * as Metrics from "../Metrics.js"
import { dedupKey } from "./incidentKey.js"
import type { Severity } from "./notifier.js"
import * as Options from "./options.js"

/** Minimum time between two alerts with the same signature. */
export const DEFAULT_WINDOW: Duration.Duration = Duration.minutes(5)

/** Default bound on the number of signatures remembered. */
export const DEFAULT_MAX_ENTRIES = 10_000

/** Default channel ceiling: alerts per minute across all signatures. */
export const DEFAULT_CEILING = 20

/** The channel ceiling counts alerts per this period. */
export const CEILING_PERIOD_MILLIS = 60_000

/** The outcome of asking the limiter about one signature. */
export interface Decision {
  readonly send: boolean
  readonly suppressed: number
  readonly lastSentAt: number | undefined
}

/** The outcome of asking the channel ceiling for room for one more alert. */
export interface Admission {
  readonly admitted: boolean
  readonly heldBack: number
}

/** What the alert path tells the limiter when an alert fires, or is suppressed. */
export interface Opening {
  readonly signature: string
  readonly operation: string
  readonly context: string
  /** The severity it fired with: its resolved event carries it too (Alertmanager keys on labels). */
  readonly severity: Severity
  /** Clock millis of the first failure of the loop that fired it, or of the firing. */
  readonly startedAt: number
  readonly channel: string | undefined
}

/** An open incident: an alert that fired and has not resolved yet. */
export interface Incident extends Opening {
  /** Stable for the incident, in every process: see `incidentKey.ts`. */
  readonly dedupKey: string
  /** Clock millis of its first firing. */
  readonly firedAt: number
  /** Failed attempts of its operation counted since it first fired. */
  readonly failures: number
  /** Identical alerts suppressed since it first fired. */
  readonly suppressed: number
}

/** The limiter service. */
export interface AlertLimiterService {
  readonly signature: (name: string, error: unknown, context: string) => string
  readonly check: (signature: string) => Effect.Effect<Decision>
  readonly shouldSend?: ((signature: string) => Effect.Effect<boolean>) | undefined
  readonly admit: Effect.Effect<Admission>
  readonly reset: Effect.Effect<void>
  readonly size: Effect.Effect<number>
  /** How many incidents this limiter knows to be open. Zero: nothing to resolve. */
  readonly openIncidents: () => number
  /** An alert fired: opens its incident, or finds it open (a re-fire). Returns it. */
  readonly openIncident: (opening: Opening, now: number) => Effect.Effect<Incident>
  /** An alert was suppressed: counts it against its open incident. */
  readonly noteSuppressed: (opening: Opening) => Effect.Effect<void>
  /** A failed attempt of `operation` in `context`: counts it against its open incidents. */
  readonly noteFailure: (context: string, operation: string) => Effect.Effect<void>
  /**
   * `operation` in `context` succeeded: closes its open incidents and returns them, each to one
   * caller only. `afterFailure`: the success followed failures (a shared limiter then asks its
   * store even when this process knows of no incident).
   */
  readonly resolveIncidents: (
    context: string,
    operation: string,
    afterFailure: boolean
  ) => Effect.Effect<ReadonlyArray<Incident>>
}

/** The alert limiter service tag. */
export class AlertLimiter extends Context.Tag("effect-retry-alerts/AlertLimiter")<
  AlertLimiter,
  AlertLimiterService
>() {}

/** The options both limiters take. */
export interface LimiterOptions {
  readonly window?: Duration.DurationInput | undefined
  readonly maxEntries?: number | undefined
  readonly fingerprint?: Fingerprint.Fingerprint | undefined
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

/**
 * Makes `key` the newest entry of `map` (a `Map` iterates in insertion order) and drops the oldest
 * one past `maxEntries`, in O(1). A map kept this way, in the order of each key's last update,
 * has its stale entries at the front.
 */
export const setNewest = <K, V>(map: Map<K, V>, key: K, value: V, maxEntries: number): void => {
  map.delete(key)
  map.set(key, value)
  if (map.size > maxEntries) map.delete(map.keys().next().value!)
}

interface Entry {
  lastSentAt: number
  suppressed: number
}

interface OpenIncident {
  readonly opening: Opening
  /** Computed when the incident opens, not for each suppressed alert. */
  readonly dedupKey: string
  readonly firedAt: number
  failures: number
  suppressed: number
}

/** The key of an operation's incidents. */
export const operationKey = (context: string, operation: string): string => `${context}\u0000${operation}`

const snapshot = (incident: OpenIncident): Incident => ({
  ...incident.opening,
  dedupKey: incident.dedupKey,
  startedAt: Math.min(incident.opening.startedAt, incident.firedAt),
  firedAt: incident.firedAt,
  failures: incident.failures,
  suppressed: incident.suppressed
})

/**
 * The incidents one process knows to be open, by operation then signature. Bounded: past
 * `maxEntries` incidents the operation whose incidents opened first is forgotten (it will not
 * send a resolved event).
 */
export const makeIncidents = (maxEntries: number) => {
  const byOperation = new Map<string, Map<string, OpenIncident>>()
  let count = 0

  const open = (opening: Opening, now: number): Incident => {
    const key = operationKey(opening.context, opening.operation)
    let incidents = byOperation.get(key)
    if (incidents === undefined) {
      incidents = new Map()
      byOperation.set(key, incidents)
    }
    let incident = incidents.get(opening.signature)
    if (incident === undefined) {
      incident = {
        opening,
        dedupKey: dedupKey(opening.operation, opening.context, opening.signature),
        firedAt: now,
        failures: 0,
        suppressed: 0
      }
      incidents.set(opening.signature, incident)
      count++
      while (count > maxEntries) {
        const oldest = byOperation.keys().next().value!
        count -= byOperation.get(oldest)!.size
        byOperation.delete(oldest)
      }
    }
    return snapshot(incident)
  }

  const find = (opening: Opening): OpenIncident | undefined =>
    count === 0
      ? undefined
      : byOperation.get(operationKey(opening.context, opening.operation))?.get(opening.signature)

  const failed = (context: string, operation: string): void => {
    if (count === 0) return
    const incidents = byOperation.get(operationKey(context, operation))
    if (incidents !== undefined) for (const incident of incidents.values()) incident.failures++
  }

  const resolve = (context: string, operation: string): ReadonlyArray<Incident> => {
    if (count === 0) return []
    const key = operationKey(context, operation)
    const incidents = byOperation.get(key)
    if (incidents === undefined) return []
    byOperation.delete(key)
    count -= incidents.size
    return Array.from(incidents.values(), snapshot)
  }

  return {
    open,
    find,
    failed,
    resolve,
    size: () => count,
    clear: () => {
      byOperation.clear()
      count = 0
    }
  }
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
    // Changed only inside `Effect.sync`: a fiber runs it to the end before another runs, so each
    // change (and each resolution: taken once, by one caller) is atomic.
    const incidents = makeIncidents(maxEntries)
    return {
      signature,
      check: (key) =>
        Ref.modify(ref, (entries) => [decide(entries, key, clock.unsafeCurrentTimeMillis()), entries]),
      shouldSend: (key) =>
        Ref.modify(ref, (entries) => [decideSend(entries, key, clock.unsafeCurrentTimeMillis()), entries]),
      admit:
        ceiling === 0
          ? Effect.succeed(admittedClean)
          : Ref.modify(ceilingRef, (state) => [admitIn(state, clock.unsafeCurrentTimeMillis()), state]),
      reset: Effect.zipRight(
        Ref.set(ceilingRef, { times: [], next: 0, heldBack: 0 }),
        Effect.zipRight(
          Ref.update(ref, () => new Map()),
          Effect.sync(() => incidents.clear())
        )
      ),
      size: Effect.map(Ref.get(ref), (entries) => entries.size),
      openIncidents: incidents.size,
      openIncident: (opening, now) => Effect.sync(() => incidents.open(opening, now)),
      noteSuppressed: (opening) =>
        Effect.sync(() => {
          const incident = incidents.find(opening)
          if (incident !== undefined) incident.suppressed++
        }),
      noteFailure: (context, operation) => Effect.sync(() => incidents.failed(context, operation)),
      resolveIncidents: (context, operation) => Effect.sync(() => incidents.resolve(context, operation))
    } satisfies AlertLimiterService
  })
}
