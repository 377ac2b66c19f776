/**
 * A retry budget: retries that cannot multiply an outage. Every first attempt deposits, every
 * retry withdraws, and a retry is allowed while the retries in a sliding window stay within a
 * percentage of the first attempts in it, plus a small reserve per second: Finagle's
 * `RetryBudget`. Budgets are per key (one dependency: a database, a payment API).
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Window from "./internal/budgetWindow.js"
// Named imports, not a namespace: docgen prints the types of constants as the compiler names
// them, and through a namespace import it would name the tag, and the types declared here that the
// internal module re-exports, `Internal.X`.
import {
  DEFAULT_MAX_KEYS as MAX_KEYS,
  DEFAULT_MIN_PER_SECOND as MIN_PER_SECOND,
  makeMemory as makeMemoryBudget,
  DEFAULT_PERCENT as PERCENT,
  RetryBudget,
  DEFAULT_WINDOW as WINDOW
} from "./internal/retryBudget.js"

/**
 * Retries allowed as a percentage of the first attempts in the window: 20.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_PERCENT: number = PERCENT

/**
 * Retries allowed per second of the window whatever the first attempts: 10 (so 100 per default
 * window).
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_MIN_PER_SECOND: number = MIN_PER_SECOND

/**
 * The sliding window: 10 seconds.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_WINDOW: Duration.Duration = WINDOW

/**
 * Most keys a budget remembers: 10,000.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_MAX_KEYS: number = MAX_KEYS

/**
 * The window is kept in this many buckets (10), each `window / 10` wide. See {@link make} for
 * how they round the window.
 *
 * @since 0.2.0
 * @category constants
 */
export const WINDOW_BUCKETS: number = Window.BUCKETS

/**
 * How one key's budget stands: `deposits` (first attempts) and `withdrawals` (retries allowed)
 * in the sliding window, and `refusedLastMinute` (retries refused over the last minute, kept in
 * 12 buckets of 5 seconds: the last 55 to 60 seconds, each refusal timed to the start of the
 * budget bucket it was made in).
 *
 * @since 0.2.0
 * @category models
 */
export interface BudgetStatus {
  /** First attempts (deposits) in the sliding window. */
  readonly deposits: number
  /** Retries allowed (withdrawals) in the sliding window. */
  readonly withdrawals: number
  /**
   * Retries refused over the last minute: the last 55 to 60 seconds, each refusal timed to the
   * start of the budget bucket it was made in.
   */
  readonly refusedLastMinute: number
}

/**
 * The budget service. Synchronous, so that the retry loops can ask it without a step of the
 * fiber: `deposit` runs on every first attempt, success path included.
 *
 * - `deposit(key)` records a first attempt; for a known key, a counter update that allocates
 *   nothing (so is an allowed `tryWithdraw`).
 * - `tryWithdraw(key)` asks for one retry: `true` records it; `false` counts a refusal (in
 *   `status(key).refusedLastMinute` and in the `Metrics.retriesRefused` counter tagged `key`).
 * - `status(key)` tells how the key's budget stands.
 * - `size()`, optional: how many keys are remembered.
 *
 * @since 0.2.0
 * @category models
 */
export interface RetryBudgetService {
  /** Records a first attempt for `key`. */
  readonly deposit: (key: string) => void
  /**
   * Asks for one retry for `key`: `true` (and the retry is recorded) while the retries in the
   * window stay within `percent` of the first attempts in it plus `minPerSecond × window`;
   * `false` (and the refusal is counted) otherwise.
   */
  readonly tryWithdraw: (key: string) => boolean
  /** How `key`'s budget stands now. */
  readonly status: (key: string) => BudgetStatus
  /**
   * How many keys the budget remembers now (at most its `maxKeys`). Optional, so that a test
   * double need not count.
   */
  readonly size?: (() => number) | undefined
}

export {
  /**
   * The retry budget service tag. The retry loops read it as an optional service: without a
   * budget layer, retries are not budgeted.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { RetryBudget } from "effect-retry-alerts"
   *
   * const program = Effect.gen(function* () {
   *   const budget = yield* RetryBudget.RetryBudget
   *   budget.deposit("billing")
   *   return budget.tryWithdraw("billing") // true: the reserve allows it
   * }).pipe(Effect.provide(RetryBudget.layer()))
   * ```
   *
   * @since 0.2.0
   * @category tags
   */
  RetryBudget
} from "./internal/retryBudget.js"

/**
 * Options of {@link make} and {@link layer}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * Retries allowed as a percentage of the first attempts in the window, from 0 to 100 (0: only
   * the `minPerSecond` reserve). Default {@link DEFAULT_PERCENT}.
   */
  readonly percent?: number | undefined
  /**
   * Retries allowed per second of the window whatever the first attempts, >= 0: the reserve that
   * lets a quiet dependency retry at all. Default {@link DEFAULT_MIN_PER_SECOND}.
   */
  readonly minPerSecond?: number | undefined
  /** The sliding window, a positive duration. Default {@link DEFAULT_WINDOW}. */
  readonly window?: Duration.DurationInput | undefined
  /** Most keys remembered at once, >= 1; the least recently used go first. Default {@link DEFAULT_MAX_KEYS}. */
  readonly maxKeys?: number | undefined
}

/**
 * Builds an in-memory budget. Every call of `make` (and every build of {@link layer}) has its
 * own state; time comes from the Effect `Clock` of the fiber that builds it, so a budget built in
 * a test reads the `TestClock`.
 *
 * `deposit` and `tryWithdraw` do not read the Clock: reading it would cost more than a deposit
 * itself, and allocate. A fiber, held by the scope, keeps the current bucket while calls come
 * (waking at each bucket boundary, on the Clock) and parks after a bucket without any; the first
 * call after that reads the Clock. Below buckets of 10 ms (a window under 100 ms), every call
 * reads the Clock instead. `status` always reads it.
 *
 * The rule, per key, over the sliding window: a retry is allowed when
 * `withdrawals + 1 <= deposits × percent / 100 + minPerSecond × window in seconds`, where
 * `deposits` are the first attempts and `withdrawals` the retries allowed in the window. A refused
 * retry is not recorded as a withdrawal.
 *
 * The window is kept in {@link WINDOW_BUCKETS} buckets `window / 10` wide, aligned on Clock time
 * (bucket `floor(t / (window / 10))`). The window is the current bucket and the 9 before it: an
 * event counts until the start of the 10th bucket after its own, that is for more than 9/10 of
 * the window and at most the whole window. With the default 10 s window, a deposit at 12.3 s
 * counts until 22 s.
 *
 * Memory: per key two rings of 10 buckets, and one of 12 for refusals once the key is refused;
 * at most `maxKeys` keys, the least recently used (to a bucket's width) dropped first. A dropped
 * key starts again from zero.
 *
 * Throws {@link InvalidOptionError} naming the option when `percent` is not a number from 0 to
 * 100, `minPerSecond` not a finite number >= 0, `window` not a positive finite duration, or
 * `maxKeys` not a whole number >= 1.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { RetryBudget } from "effect-retry-alerts"
 *
 * // A budget layer that logs each refusal, built on the memory budget.
 * const layerLogged = Layer.scoped(
 *   RetryBudget.RetryBudget,
 *   Effect.map(RetryBudget.make({ percent: 10 }), (budget) => ({
 *     ...budget,
 *     tryWithdraw: (key: string) => {
 *       const allowed = budget.tryWithdraw(key)
 *       if (!allowed) console.warn(`retry budget for ${key} exhausted`)
 *       return allowed
 *     }
 *   }))
 * )
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RetryBudgetService, never, Scope.Scope> =>
  makeMemoryBudget(options)

/**
 * An in-memory budget layer, Finagle's defaults unless told otherwise: 20 percent of the first
 * attempts, plus 10 retries per second, over a 10 second window. Each build has its own state.
 * See {@link make} for the rule and the buckets.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* RetryBudget.deposit("billing")
 *   const allowed = yield* RetryBudget.tryWithdraw("billing")
 *   const status = yield* RetryBudget.status("billing")
 *   return [allowed, status] // [true, { deposits: 1, withdrawals: 1, refusedLastMinute: 0 }]
 * }).pipe(Effect.provide(RetryBudget.layer({ percent: 10, minPerSecond: 1, window: "30 seconds" })))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RetryBudget> =>
  Layer.scoped(RetryBudget, make(options))

const withBudget = <A>(f: (budget: RetryBudgetService) => A): Effect.Effect<A, never, RetryBudget> =>
  Effect.withFiberRuntime((fiber) => Effect.succeed(f(Context.unsafeGet(fiber.currentContext, RetryBudget))))

/**
 * Records a first attempt for `key`. The retry combinators do it when a budget is provided; call
 * it yourself for a retry loop of your own.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-retry-alerts"
 *
 * const program = RetryBudget.deposit("billing").pipe(Effect.provide(RetryBudget.layer()))
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const deposit = (key: string): Effect.Effect<void, never, RetryBudget> =>
  withBudget((budget) => budget.deposit(key))

/**
 * Asks for one retry for `key`: `true`, recorded, when the budget allows it; `false`, counted as
 * a refusal, when it does not.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Backoff, RetryBudget } from "effect-retry-alerts"
 *
 * const charge: Effect.Effect<string, Error> = Effect.succeed("receipt") // your call
 *
 * // A retry loop of your own, budgeted: it stops as soon as the budget refuses a retry.
 * const budgeted = Effect.zipRight(
 *   RetryBudget.deposit("billing"),
 *   Effect.retry(
 *     charge,
 *     Backoff.exponential({ maxWait: "5 seconds" }).pipe(
 *       Schedule.intersect(Schedule.recurs(10)),
 *       Schedule.checkEffect(() => RetryBudget.tryWithdraw("billing"))
 *     )
 *   )
 * ).pipe(Effect.provide(RetryBudget.layer()))
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const tryWithdraw = (key: string): Effect.Effect<boolean, never, RetryBudget> =>
  withBudget((budget) => budget.tryWithdraw(key))

/**
 * How `key`'s budget stands now.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   const { refusedLastMinute } = yield* RetryBudget.status("billing")
 *   if (refusedLastMinute > 0) {
 *     yield* Effect.logWarning(
 *       `retry budget for billing exhausted: ${refusedLastMinute} retries refused in the last minute`
 *     )
 *   }
 * }).pipe(Effect.provide(RetryBudget.layer()))
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const status = (key: string): Effect.Effect<BudgetStatus, never, RetryBudget> =>
  withBudget((budget) => budget.status(key))

export {
  /**
   * Thrown synchronously when a combinator or layer is built with an invalid option; `option`
   * names the offending option.
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
