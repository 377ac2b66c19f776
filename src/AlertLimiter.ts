/**
 * Decides whether an alert may be sent: at most one alert per signature per window.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Ref } from "effect"
import * as Fingerprint from "./Fingerprint.js"
import * as Options from "./internal/options.js"
import * as Metrics from "./Metrics.js"

/**
 * Minimum time between two alerts with the same signature: 5 minutes.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_WINDOW: Duration.Duration = Duration.minutes(5)

/**
 * Default bound on the number of signatures the memory limiter remembers.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_ENTRIES = 10_000

/**
 * How many characters of the error message take part in a signature.
 *
 * @since 0.1.0
 * @category constants
 */
export const SIGNATURE_MESSAGE_LENGTH: number = Fingerprint.MESSAGE_LENGTH

/**
 * Default channel ceiling: at most 20 alerts per minute across all signatures.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_CEILING = 20

/**
 * The outcome of asking the limiter about one signature.
 *
 * - `send`: whether this alert may go out.
 * - `suppressed`: when `send` is true, how many alerts with this signature were suppressed since
 *   the previous one went out; when `send` is false, how many have been suppressed so far,
 *   this one included.
 * - `lastSentAt`: clock time (epoch millis) of the previous alert with this signature, if any.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decision {
  readonly send: boolean
  readonly suppressed: number
  readonly lastSentAt: number | undefined
}

/**
 * The outcome of asking the channel ceiling for room for one more alert.
 *
 * - `admitted`: whether the alert may go out now.
 * - `heldBack`: when admitted, how many alerts the ceiling held back since the previous admitted
 *   one; when not admitted, how many have been held back so far, this one included.
 *
 * @since 0.1.0
 * @category models
 */
export interface Admission {
  readonly admitted: boolean
  readonly heldBack: number
}

/**
 * The limiter service. Implementations must decide atomically: of many fibers asking at once
 * for one signature, exactly one is told to send.
 *
 * @since 0.1.0
 * @category models
 */
export interface AlertLimiterService {
  /** Builds the key that identifies "the same alert". */
  readonly signature: (name: string, error: unknown, context: string) => string
  /** Decides for one signature and records the decision. */
  readonly check: (signature: string) => Effect.Effect<Decision>
  /**
   * Optional fast path of `check(signature)` that answers only `send`: {@link shouldSendAlert}
   * uses it when present. It must record the decision exactly as `check` does.
   */
  readonly shouldSend?: ((signature: string) => Effect.Effect<boolean>) | undefined
  /**
   * Asks the channel ceiling (at most N alerts per minute across all signatures) for room for
   * one alert that `check` allowed, and records it when admitted.
   */
  readonly admit: Effect.Effect<Admission>
  /** Forgets every signature. */
  readonly reset: Effect.Effect<void>
  /** How many signatures are remembered. */
  readonly size: Effect.Effect<number>
}

/**
 * The alert limiter service tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   const limiter = yield* AlertLimiter.AlertLimiter
 *   return yield* limiter.check(limiter.signature("charge", new Error("HTTP 500"), "billing"))
 * }).pipe(Effect.provide(AlertLimiter.layer))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class AlertLimiter extends Context.Tag("effect-retry-alerts/AlertLimiter")<
  AlertLimiter,
  AlertLimiterService
>() {}

/**
 * The signature of an alert, `"{context}:{name}:{type}:{message head}"`: the context, the
 * operation name, the error's type (`_tag` for tagged errors, else its class or `name`, else
 * `typeof`) and the first 100 characters of its message. Total: it never throws, whatever the
 * error value is. The `"exact"` {@link Fingerprint.Fingerprint}.
 *
 * @example
 * ```ts
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * AlertLimiter.signature("spend_credits", new TypeError("HTTP 500"), "billing")
 * // "billing:spend_credits:TypeError:HTTP 500"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const signature: (name: string, error: unknown, context?: string) => string = Fingerprint.exact

/**
 * Options of {@link layerMemory} and {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions {
  /** Minimum time between two alerts with one signature. Default {@link DEFAULT_WINDOW}. */
  readonly window?: Duration.DurationInput | undefined
  /** Most signatures remembered at once. Default {@link DEFAULT_MAX_ENTRIES}. */
  readonly maxEntries?: number | undefined
  /**
   * Which failures count as the same alert: `"exact"` (the default, the original signature),
   * `"normalized"` (ids, numbers, hosts, timestamps replaced before the cut) or a function.
   */
  readonly fingerprint?: Fingerprint.Fingerprint | undefined
  /** Most alerts per minute across all signatures; 0 turns the ceiling off. Default 20. */
  readonly ceiling?: number | undefined
}

interface Entry {
  lastSentAt: number
  suppressed: number
}

interface CeilingState {
  readonly times: Array<number>
  next: number
  heldBack: number
}

const CEILING_PERIOD_MILLIS = 60_000

const firstSend: Decision = { send: true, suppressed: 0, lastSentAt: undefined }
const admittedClean: Admission = { admitted: true, heldBack: 0 }

/**
 * Builds an in-memory limiter. The state is a `Map` held in a `Ref` created here, so every
 * call of `make` (and every build of {@link layerMemory}) has its own state. Time comes from
 * the Effect `Clock` of the fiber that builds it, so a limiter built in a test reads the
 * `TestClock`.
 *
 * The map is kept in the order of each signature's last sent alert, so its first entries are
 * both the oldest and the expired ones: past `maxEntries` the limiter drops from the front, at
 * O(1) per decision.
 *
 * The channel ceiling (`ceiling` alerts per minute across all signatures, default 20) is kept
 * apart from the per-signature decision: `check` answers for one signature, `admit` for the
 * channel, and `Alert.sendRateLimited` asks both.
 *
 * Throws {@link InvalidOptionError} when `window` is not a positive finite duration,
 * `maxEntries` is not a whole number >= 1, `ceiling` is not a whole number >= 0, or
 * `fingerprint` is not a strategy.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * // A limiter layer that counts its decisions, built on the memory limiter.
 * let suppressed = 0
 * const layerCounting = Layer.effect(
 *   AlertLimiter.AlertLimiter,
 *   Effect.map(AlertLimiter.make({ window: "10 minutes" }), (limiter) => ({
 *     ...limiter,
 *     shouldSend: undefined,
 *     check: (signature: string) =>
 *       Effect.tap(limiter.check(signature), (decision) => Effect.sync(() => decision.send || suppressed++))
 *   }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: MemoryOptions = {}): Effect.Effect<AlertLimiterService> => {
  const windowMillis = Duration.toMillis(Options.duration("window", options.window ?? DEFAULT_WINDOW))
  const maxEntries = Options.wholeNumber(
    "maxEntries",
    options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    1,
    Number.MAX_SAFE_INTEGER
  )
  const ceiling = Options.wholeNumber("ceiling", options.ceiling ?? DEFAULT_CEILING, 0, 1_000_000)
  const toSignature = Fingerprint.toSignature(options.fingerprint ?? "exact")

  // Runs inside `Ref.modify`, which is synchronous: no other fiber sees a half-made decision.
  // The map is updated in place; a persistent map would allocate on every decision for no gain
  // in safety. Returns whether to send; allocates nothing on the hot (suppressed) path.
  const decideSend = (entries: Map<string, Entry>, key: string, now: number): boolean => {
    const entry = entries.get(key)
    if (entry === undefined) {
      entries.set(key, { lastSentAt: now, suppressed: 0 })
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
      else Metrics.limiterEntries.unsafeUpdate(entries.size, [])
      return true
    }
    if (now - entry.lastSentAt >= windowMillis) {
      entry.lastSentAt = now
      entry.suppressed = 0
      // Re-insert to move the key to the back: the map stays ordered by last send.
      entries.delete(key)
      entries.set(key, entry)
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

  // The ceiling is a sliding minute: a ring of the last `ceiling` admission times. The oldest
  // one, at `next`, must be a minute old before another alert is admitted.
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
      signature: toSignature,
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
        Ref.update(ref, () => new Map())
      ),
      size: Effect.map(Ref.get(ref), (entries) => entries.size)
    } satisfies AlertLimiterService
  })
}

/**
 * An in-memory limiter layer: one alert per signature per `window`, at most `maxEntries`
 * signatures remembered. Each build has its own state. See {@link make}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 * Effect.runPromise(program.pipe(Effect.provide(AlertLimiter.layerMemory({ window: "1 minute" }))))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (options: MemoryOptions = {}): Layer.Layer<AlertLimiter> =>
  Layer.effect(AlertLimiter, make(options))

/**
 * The default limiter: {@link layerMemory} with its defaults (5 minute window, 10,000 entries).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500")).pipe(
 *   Effect.provide(AlertLimiter.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<AlertLimiter> = layerMemory()

/**
 * Asks the limiter about one signature and records the decision.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   const decision = yield* AlertLimiter.check("billing:charge:Error:HTTP 500")
 *   if (decision.send && decision.suppressed > 0) {
 *     yield* Effect.log(`${decision.suppressed} similar alerts were suppressed`)
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const check = (signature: string): Effect.Effect<Decision, never, AlertLimiter> =>
  withLimiter((limiter) => limiter.check(signature))

// One step to reach the service (a tag lookup in the fiber's context) instead of two: the
// limiter is asked in alert storms, where every step shows.
const withLimiter = <A, E, R>(
  f: (limiter: AlertLimiterService) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | AlertLimiter> =>
  Effect.withFiberRuntime((fiber) => f(Context.unsafeGet(fiber.currentContext, AlertLimiter)))

const sendTrue = Effect.succeed(true)
const sendFalse = Effect.succeed(false)

/**
 * Whether an alert for `error` in operation `name` (and `context`) may be sent now. Records the
 * alert as sent when it answers `true`. Atomic: of many concurrent askers for one signature,
 * exactly one gets `true`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   const first = yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 *   const again = yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 *   return [first, again] // [true, false]
 * }).pipe(Effect.provide(AlertLimiter.layer))
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const shouldSendAlert = (
  name: string,
  error: unknown,
  context = ""
): Effect.Effect<boolean, never, AlertLimiter> =>
  withLimiter((limiter) => {
    const signature = limiter.signature(name, error, context)
    return limiter.shouldSend === undefined
      ? Effect.flatMap(limiter.check(signature), (decision) => (decision.send ? sendTrue : sendFalse))
      : limiter.shouldSend(signature)
  })

/**
 * Asks the channel ceiling for room for one alert and records it when admitted. Call it after
 * {@link check} allowed the alert; `Alert.sendRateLimited` does both.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   const admission = yield* AlertLimiter.admit
 *   return admission.admitted ? "send it" : `held back (${admission.heldBack} so far)`
 * }).pipe(Effect.provide(AlertLimiter.layerMemory({ ceiling: 10 })))
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const admit: Effect.Effect<Admission, never, AlertLimiter> = Effect.flatMap(
  AlertLimiter,
  (limiter) => limiter.admit
)

/**
 * Forgets every signature.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"))
 *   yield* AlertLimiter.reset
 *   return yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500")) // true again
 * }).pipe(Effect.provide(AlertLimiter.layerMemory()))
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const reset: Effect.Effect<void, never, AlertLimiter> = Effect.flatMap(
  AlertLimiter,
  (limiter) => limiter.reset
)

/**
 * How many signatures the limiter remembers.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const remembered = AlertLimiter.size.pipe(Effect.provide(AlertLimiter.layer)) // 0
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const size: Effect.Effect<number, never, AlertLimiter> = Effect.flatMap(
  AlertLimiter,
  (limiter) => limiter.size
)

export {
  /**
   * @since 0.1.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"

export {
  /**
   * A limiter shared by many processes through Redis. See the README's "Many replicas" section.
   *
   * @example
   * ```ts
   * import { Redacted } from "effect"
   * import { AlertLimiter } from "effect-retry-alerts"
   *
   * AlertLimiter.layerRedis({ url: Redacted.make("redis://127.0.0.1:6379"), window: "5 minutes" })
   * ```
   *
   * @since 0.1.0
   * @category layers
   */
  layerRedis,
  /**
   * {@link layerRedis} with the URL read from the `REDIS_URL` configuration variable.
   *
   * @example
   * ```ts
   * import { AlertLimiter } from "effect-retry-alerts"
   *
   * AlertLimiter.layerRedisConfig({ prefix: "billing:" })
   * ```
   *
   * @since 0.1.0
   * @category layers
   */
  layerRedisConfig,
  /**
   * Options of {@link layerRedis}.
   *
   * @since 0.1.0
   * @category models
   */
  type RedisOptions
} from "./internal/redisLimiter.js"
