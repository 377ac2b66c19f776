/**
 * Decides whether an alert may be sent: at most one alert per signature per window, and at most
 * `ceiling` a minute in all. Which incidents are open is the `Incidents` service's; the memory
 * layers here provide both.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fingerprint from "./Fingerprint.js"
// Named imports, not a namespace: docgen prints the types of constants as the compiler names
// them, and through a namespace import it would name the tag, and the types declared here that the
// internal module re-exports, `Internal.X`.
import {
  AlertLimiter,
  DEFAULT_CEILING as MEMORY_CEILING,
  DEFAULT_MAX_ENTRIES as MEMORY_MAX_ENTRIES,
  DEFAULT_WINDOW as MEMORY_WINDOW,
  makeMemory as makeMemoryLimiter
} from "./internal/alertLimiter.js"
import { Incidents, makeMemory as makeMemoryIncidents } from "./internal/incidents.js"

/**
 * Minimum time between two alerts with the same signature: 5 minutes.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_WINDOW: Duration.Duration = MEMORY_WINDOW

/**
 * Default bound on the number of signatures the memory limiter remembers.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_ENTRIES: number = MEMORY_MAX_ENTRIES

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
export const DEFAULT_CEILING: number = MEMORY_CEILING

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
  /** Whether the alert may go out now. */
  readonly admitted: boolean
  /**
   * Admitted: how many alerts the ceiling held back since the previous admitted one. Not admitted:
   * how many have been held back so far, this one included.
   */
  readonly heldBack: number
}

/**
 * The limiter service. Implementations must decide atomically: of many fibers asking at once
 * for one signature, exactly one is told to send.
 *
 * - `signature(name, error, context)` builds the key that identifies "the same alert".
 * - `check(signature)` decides for one signature and records the decision.
 * - `admit` asks the channel ceiling (at most N alerts per minute across all signatures) for
 *   room for one alert that `check` allowed, and records it when admitted.
 * - `reset` forgets every signature; `size` tells how many are remembered.
 *
 * @since 0.1.0
 * @category models
 */
export interface AlertLimiterService {
  /** What the limiter keys on: which failures count as the same alert. */
  readonly signature: (name: string, error: unknown, context: string) => string
  /** Whether an alert with `signature` goes out now (and records that decision). */
  readonly check: (signature: string) => Effect.Effect<Decision>
  /** Room under the channel ceiling for one more alert (and records it when admitted). */
  readonly admit: Effect.Effect<Admission>
  /** Forgets every signature. */
  readonly reset: Effect.Effect<void>
  /** How many signatures are remembered. */
  readonly size: Effect.Effect<number>
}

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
  /** Whether this alert may go out. */
  readonly send: boolean
  /**
   * `send`: how many alerts with this signature were suppressed since the previous one went out.
   * Not `send`: how many have been suppressed so far, this one included.
   */
  readonly suppressed: number
  /** Clock time (epoch millis) of the previous alert with this signature, if any. */
  readonly lastSentAt: number | undefined
}

export {
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
   * }).pipe(Effect.provide(AlertLimiter.layer()))
   * ```
   *
   * @since 0.1.0
   * @category tags
   */
  AlertLimiter
} from "./internal/alertLimiter.js"

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
 * Options of {@link layer} and {@link make}.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /** Minimum time between two alerts with one signature. Default {@link DEFAULT_WINDOW}. */
  readonly window?: Duration.DurationInput | undefined
  /**
   * Most signatures remembered at once, and (in {@link layer}) most open incidents. Default
   * {@link DEFAULT_MAX_ENTRIES}.
   */
  readonly maxEntries?: number | undefined
  /**
   * Which failures count as the same alert: `"exact"` (the default: context, name, error type and message head),
   * `"normalized"` (ids, numbers, hosts, timestamps replaced before the cut) or a function.
   */
  readonly fingerprint?: Fingerprint.Fingerprint | undefined
  /** Most alerts per minute across all signatures; 0 turns the ceiling off. Default 20. */
  readonly ceiling?: number | undefined
}

/**
 * Builds an in-memory limiter. The state is a `Map` held in a `Ref` created here, so every
 * call of `make` (and every build of {@link layer}) has its own state. Time comes from
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
 *     check: (signature: string) =>
 *       Effect.tap(limiter.check(signature), (decision) => Effect.sync(() => decision.send || suppressed++))
 *   }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<AlertLimiterService> => makeMemoryLimiter(options)

/**
 * The alert services in memory: the limiter (one alert per signature per `window`, at most
 * `maxEntries` signatures remembered, see {@link make}) and an `Incidents` store (at most
 * `maxEntries` open incidents, see `Incidents.make`). Each build has its own state. With no
 * options: a 5 minute window, 10,000 entries, a ceiling of 20 alerts a minute.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const program = AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 * Effect.runPromise(program.pipe(Effect.provide(AlertLimiter.layer({ window: "1 minute" }))))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<AlertLimiter | Incidents> => {
  const incidents = makeMemoryIncidents({ maxEntries: options.maxEntries })
  return Layer.merge(Layer.effect(AlertLimiter, make(options)), Layer.effect(Incidents, incidents))
}

/**
 * Options of {@link layer} and {@link make}.
 *
 * @since 0.1.0
 * @category models
 * @deprecated Renamed {@link Options}; this alias goes in the next minor release.
 */
export type MemoryOptions = Options

/**
 * {@link layer}, under its 0.2 name.
 *
 * @since 0.1.0
 * @category layers
 * @deprecated Use {@link layer}`(options)`; this alias goes in the next minor release.
 */
export const layerMemory: (options?: Options) => Layer.Layer<AlertLimiter | Incidents> = layer

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

const sendTrue = /*#__PURE__*/ Effect.succeed(true)
const sendFalse = /*#__PURE__*/ Effect.succeed(false)

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
 * }).pipe(Effect.provide(AlertLimiter.layer()))
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
  withLimiter((limiter) =>
    Effect.flatMap(limiter.check(limiter.signature(name, error, context)), (decision) =>
      decision.send ? sendTrue : sendFalse
    )
  )

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
 * }).pipe(Effect.provide(AlertLimiter.layer({ ceiling: 10 })))
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const admit: Effect.Effect<Admission, never, AlertLimiter> = /*#__PURE__*/ Effect.flatMap(
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
 * }).pipe(Effect.provide(AlertLimiter.layer()))
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const reset: Effect.Effect<void, never, AlertLimiter> = /*#__PURE__*/ Effect.flatMap(
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
 * const remembered = AlertLimiter.size.pipe(Effect.provide(AlertLimiter.layer())) // 0
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const size: Effect.Effect<number, never, AlertLimiter> = /*#__PURE__*/ Effect.flatMap(
  AlertLimiter,
  (limiter) => limiter.size
)

export {
  /**
   * Thrown synchronously when a combinator or layer is built with an invalid option; `option`
   * names the offending option.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
