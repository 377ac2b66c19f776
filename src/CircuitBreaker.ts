/**
 * A circuit breaker: keyed circuits (one per dependency) that stop calling a dependency that keeps
 * failing, let probes through after an open time, and close when the probes succeed. Opening a
 * circuit fires an incident through the alert path retries use (rate limited, delivered off the
 * caller's path, secrets redacted), and closing it resolves the incident.
 *
 * ```text
 *            trip rule met                       open time over,
 *  closed ──────────────────▶ open ──────────▶ half-open: `probes` calls let through
 *    ▲                        ▲  calls fail at once       │            │
 *    │                        │  with CircuitOpen         │ a probe    │ `probes` successes
 *    │                        └───────────────────────────┘ fails      │
 *    └─────────────────────────────────────────────────────────────────┘
 *  isolate(key): isolated (every call rejected) until reset(key): closed
 * ```
 *
 * The memory store here shares circuits within one process; `RedisCircuitBreaker` (in
 * `effect-retry-alerts/redis`) shares them across replicas. See the circuit breaker guide for the
 * defaults and why, and for the two ways to compose a breaker with retries.
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Engine from "./internal/circuit/engine.js"
import { makeMemoryStore } from "./internal/circuit/store.js"
// Named imports, not a namespace: docgen prints the types of constants as the compiler names
// them, and through a namespace import it would name the tag, and the types declared here that the
// internal module re-exports, `Internal.X`.
import {
  settings as breakerSettings,
  CircuitBreaker,
  type CircuitOpen,
  DEFAULT_CONSECUTIVE_FAILURES as CONSECUTIVE_FAILURES,
  DEFAULT_FAILURE_RATE as FAILURE_RATE,
  DEFAULT_MINIMUM_CALLS as MINIMUM_CALLS,
  defaultOpenFor as openForDefault,
  DEFAULT_RESET_AFTER as RESET_AFTER,
  DEFAULT_WINDOW as WINDOW
} from "./internal/circuitBreaker.js"

/**
 * The circuit breaker service: `protect(key, effect, isFailure?)` runs an effect through a
 * circuit; `state`, `isolate` and `reset` by key; `transitions`, a `Stream` of every change.
 *
 * @since 0.3.0
 * @category models
 */
export interface CircuitBreakerService {
  /**
   * Runs `self` through circuit `key`. `isFailure` says which typed failures count (default: the
   * breaker's `isFailure`, else every typed failure); defects and interruptions never count.
   */
  readonly protect: <A, E, R>(
    key: string,
    self: Effect.Effect<A, E, R>,
    isFailure?: ((error: E) => boolean) | undefined
  ) => Effect.Effect<A, E | CircuitOpen, R>
  /** The state of circuit `key` as this process knows it. */
  readonly state: (key: string) => Effect.Effect<State>
  /** Opens circuit `key` by hand: every call is rejected until {@link reset}. */
  readonly isolate: (key: string) => Effect.Effect<void>
  /** Closes circuit `key` by hand, forgetting its counts and its openings. */
  readonly reset: (key: string) => Effect.Effect<void>
  /** Every transition this process makes or follows, from the moment of subscription. */
  readonly transitions: Stream.Stream<Transition>
  /** Whether the breaker rejects calls while a circuit is open (`"enforce"`) or only alerts. */
  readonly mode: Mode
}

/**
 * `"enforce"` rejects calls while a circuit is open; `"alert-only"` (resilience4j's
 * `METRICS_ONLY`) rejects nothing, and only opens and resolves the incident.
 *
 * @since 0.3.0
 * @category models
 */
export type Mode = "enforce" | "alert-only"

/**
 * A circuit's state: `closed` (calls run and are counted), `open` (calls are rejected until the
 * open time is over), `half-open` (probes run; others are rejected), `isolated` (opened by hand,
 * every call rejected until reset).
 *
 * @since 0.3.0
 * @category models
 */
export type State = "closed" | "open" | "half-open" | "isolated"

/**
 * A change of a circuit's state: its `key`, `from` and `to` states, when (`at`, Clock millis),
 * and for an opening why (`reason`) and when probes may start (`until`). `local` is `false` when
 * another replica made the change and this process followed it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Transition {
  /** The circuit. */
  readonly key: string
  /** The state it left. */
  readonly from: State
  /** The state it entered. */
  readonly to: State
  /** Clock millis of the change. */
  readonly at: number
  /** Open: why it opened. */
  readonly reason: string
  /** Open: when probes may start (Clock millis); otherwise 0. */
  readonly until: number
  /** Whether this process made the change (`false`: another replica did, and this one followed). */
  readonly local: boolean
}

export {
  /**
   * The circuit breaker service tag.
   *
   * @example
   * ```ts
   * import * as Effect from "effect/Effect"
   * import { CircuitBreaker } from "effect-retry-alerts"
   *
   * const program = Effect.gen(function* () {
   *   const breaker = yield* CircuitBreaker.CircuitBreaker
   *   return yield* breaker.state("payments") // "closed"
   * }).pipe(Effect.provide(CircuitBreaker.layer()))
   * ```
   *
   * @since 0.3.0
   * @category tags
   */
  CircuitBreaker,
  /**
   * A call rejected by a circuit, never run: the circuit is open, isolated, or half-open with its
   * probes taken. `key` names the circuit, `state` the state that rejected it, and `retryAfter`
   * how long until it lets a call through (infinite while isolated). `Retry.retry` with a breaker
   * never retries it sooner.
   *
   * @example
   * ```ts
   * import * as Effect from "effect/Effect"
   * import { CircuitBreaker } from "effect-retry-alerts"
   *
   * const charge: Effect.Effect<string, Error> = Effect.succeed("receipt") // your call
   *
   * const program = charge.pipe(
   *   CircuitBreaker.protect("payments"),
   *   Effect.catchTag("CircuitOpen", (rejected) =>
   *     Effect.succeed(`payments unavailable, retry in ${rejected.retryAfter}`)
   *   ),
   *   Effect.provide(CircuitBreaker.layer())
   * )
   * ```
   *
   * @since 0.3.0
   * @category errors
   */
  CircuitOpen,
  /**
   * Whether a value is a {@link CircuitOpen} rejection.
   *
   * @since 0.3.0
   * @category guards
   */
  isCircuitOpen
} from "./internal/circuitBreaker.js"

/**
 * Failures in a row that open a circuit: 10.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_CONSECUTIVE_FAILURES: number = CONSECUTIVE_FAILURES

/**
 * The share of failed calls in the window that opens a circuit: 0.5.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_FAILURE_RATE: number = FAILURE_RATE

/**
 * Calls the window must hold before its failure rate counts: 20.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_MINIMUM_CALLS: number = MINIMUM_CALLS

/**
 * The sliding window of the failure rate: 30 seconds.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_WINDOW: Duration.Duration = WINDOW

/**
 * Closed this long, a circuit's open time starts again from its first step: 1 minute.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_RESET_AFTER: Duration.Duration = RESET_AFTER

/**
 * The open time by default: 5 seconds, doubling at each opening in a row, at most 2 minutes
 * (`Schedule.exponential("5 seconds")` united with `Schedule.spaced("2 minutes")`: the shorter wins).
 *
 * @since 0.3.0
 * @category constants
 */
export const defaultOpenFor: () => Schedule.Schedule<unknown, unknown, never> = openForDefault

/**
 * Options of {@link make} and {@link layer}. A circuit opens when either rule is met:
 * `consecutiveFailures` failures in a row, or, once the window holds `minimumCalls` calls, a
 * `failureRate` share of them failed (or, with `slowCalls`, a `slowCalls.rate` share was slow).
 *
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /** Failures in a row that open a circuit, >= 1. Default {@link DEFAULT_CONSECUTIVE_FAILURES}. */
  readonly consecutiveFailures?: number | undefined
  /** The share of failed calls in the window that opens it, above 0 and at most 1. Default {@link DEFAULT_FAILURE_RATE}. */
  readonly failureRate?: number | undefined
  /** Calls the window must hold before its rates count, >= 1. Default {@link DEFAULT_MINIMUM_CALLS}. */
  readonly minimumCalls?: number | undefined
  /** The sliding window of the rates (10 buckets of a tenth). Default {@link DEFAULT_WINDOW}. */
  readonly window?: Duration.DurationInput | undefined
  /**
   * The slow-call rule: calls lasting at least `duration` are slow, and a `rate` share of slow
   * calls in the window (default 1: all of them) opens the circuit. A slow probe fails. Default:
   * none (no call is timed).
   */
  readonly slowCalls?:
    | { readonly duration: Duration.DurationInput; readonly rate?: number | undefined }
    | undefined
  /**
   * The open time, as a `Schedule`: the delay of its n-th step is the open time of the n-th
   * opening in a row (a schedule that ends keeps its last delay). Default {@link defaultOpenFor}.
   */
  readonly openFor?: Schedule.Schedule<unknown, unknown, never> | undefined
  /** Closed this long, the open time starts again from its first step. Default {@link DEFAULT_RESET_AFTER}. */
  readonly resetAfter?: Duration.DurationInput | undefined
  /** Probes let through at once when half-open, >= 1; that many successes close the circuit. Default 1. */
  readonly probes?: number | undefined
  /**
   * Which typed failures count as failures (others count as successes: the dependency answered).
   * Default: every typed failure; `Retry.retry` with a breaker passes its `while`. Defects and
   * interruptions never count.
   */
  readonly isFailure?: ((error: unknown) => boolean) | undefined
  /** `"enforce"` (default) or `"alert-only"`. */
  readonly mode?: Mode | undefined
  /** Circuits remembered, >= 1; the least recently changed go first. Default 10,000. */
  readonly maxKeys?: number | undefined
}

/**
 * Builds a circuit breaker on the memory store: its circuits are shared by every fiber of the
 * process that uses it, and time comes from the `Clock` of the fiber that builds it (a test moves
 * it with `TestClock`). Throws {@link InvalidOptionError} naming the first invalid option.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { CircuitBreaker } from "effect-retry-alerts"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const breaker = yield* CircuitBreaker.make({ consecutiveFailures: 5 })
 *     return yield* breaker.protect("payments", Effect.succeed("receipt"))
 *   })
 * )
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<CircuitBreakerService, never, Scope.Scope> => {
  const settings = breakerSettings(options)
  return Effect.flatMap(Effect.clock, (clock) =>
    Engine.make(settings, makeMemoryStore(settings.maxKeys), clock)
  )
}

/**
 * A circuit breaker layer on the memory store. See {@link make} and {@link Options}.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { AlertLimiter, CircuitBreaker, Notifier, Retry } from "effect-retry-alerts"
 *
 * const charge: Effect.Effect<string, Error> = Effect.succeed("receipt") // your call
 *
 * const program = charge.pipe(
 *   Retry.retry({ name: "charge", context: "payments", breaker: true }),
 *   Effect.provide([CircuitBreaker.layer({ failureRate: 0.5 }), AlertLimiter.layer(), Notifier.layerLog()])
 * )
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CircuitBreaker> =>
  Layer.scoped(CircuitBreaker, make(options))

const withBreaker = <A, E, R>(
  f: (breaker: CircuitBreakerService) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | CircuitBreaker> =>
  Effect.withFiberRuntime((fiber) => f(Context.unsafeGet(fiber.currentContext, CircuitBreaker)))

/**
 * Runs an effect through circuit `key` of the provided breaker: rejected at once with
 * {@link CircuitOpen} while the circuit is open, counted while it is closed. For the other
 * composition, a breaker around every attempt of a retry, give `Retry.retry` the `breaker` option.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { CircuitBreaker, Retry } from "effect-retry-alerts"
 *
 * const charge: Effect.Effect<string, Error> = Effect.succeed("receipt") // your call
 *
 * // The breaker around the whole retry: one call is one outcome, however many attempts it made.
 * const guarded = charge.pipe(Retry.retry({ name: "charge" }), CircuitBreaker.protect("payments"))
 * ```
 *
 * @since 0.3.0
 * @category combinators
 */
export const protect: {
  (
    key: string
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CircuitOpen, R | CircuitBreaker>
  <A, E, R>(self: Effect.Effect<A, E, R>, key: string): Effect.Effect<A, E | CircuitOpen, R | CircuitBreaker>
} = dual(
  2,
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    key: string
  ): Effect.Effect<A, E | CircuitOpen, R | CircuitBreaker> =>
    withBreaker((breaker) => breaker.protect(key, self))
)

/**
 * The state of circuit `key`, as this process knows it. An open circuit turns half-open at the
 * first call after its open time.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { CircuitBreaker } from "effect-retry-alerts"
 *
 * const program = CircuitBreaker.state("payments").pipe(Effect.provide(CircuitBreaker.layer()))
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const state = (key: string): Effect.Effect<State, never, CircuitBreaker> =>
  withBreaker((breaker) => breaker.state(key))

/**
 * Opens circuit `key` by hand (`isolated`): every call is rejected, with an infinite
 * `retryAfter`, until {@link reset}. No incident is opened: the operator knows.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { CircuitBreaker } from "effect-retry-alerts"
 *
 * // During a maintenance window of the payment provider.
 * const program = CircuitBreaker.isolate("payments").pipe(Effect.provide(CircuitBreaker.layer()))
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const isolate = (key: string): Effect.Effect<void, never, CircuitBreaker> =>
  withBreaker((breaker) => breaker.isolate(key))

/**
 * Closes circuit `key` by hand, whatever its state, forgetting its counts and its openings (the
 * next open time is the first). An incident open for the circuit resolves.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { CircuitBreaker } from "effect-retry-alerts"
 *
 * const program = CircuitBreaker.reset("payments").pipe(Effect.provide(CircuitBreaker.layer()))
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const reset = (key: string): Effect.Effect<void, never, CircuitBreaker> =>
  withBreaker((breaker) => breaker.reset(key))

/**
 * Every transition of every circuit, from the moment the stream is run: those this process
 * makes, and those it follows from other replicas (`local: false`).
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
 * import { CircuitBreaker } from "effect-retry-alerts"
 *
 * const logTransitions = CircuitBreaker.transitions.pipe(
 *   Stream.runForEach((t) => Effect.logInfo(`circuit ${t.key}: ${t.from} -> ${t.to}`))
 * )
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const transitions: Stream.Stream<Transition, never, CircuitBreaker> = Stream.unwrap(
  Effect.map(CircuitBreaker, (breaker) => breaker.transitions)
)

export {
  /**
   * Thrown synchronously when a breaker is built with an invalid option; `option` names it.
   *
   * @since 0.3.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
