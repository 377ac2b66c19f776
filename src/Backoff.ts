/**
 * Backoff schedules.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Schedule from "effect/Schedule"
import * as Internal from "./internal/backoff.js"

/**
 * Options of {@link exponential}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExponentialOptions {
  /** Delay before the first retry, before jitter. Default `"1 second"`. */
  readonly initial?: Duration.DurationInput | undefined
  /** Upper bound of every delay, jitter included. */
  readonly maxWait: Duration.DurationInput
  /** Upper bound of the random amount added to each delay. Default `"1 second"`. */
  readonly jitter?: Duration.DurationInput | undefined
}

/**
 * Computes the n-th delay (n from 0) in milliseconds, given a uniform draw `u` in [0, 1).
 *
 * tenacity's `wait_exponential_jitter` is `min(initial * 2^n + U(0, jitter), maxWait)`: once the
 * exponential part reaches the cap every caller sleeps exactly `maxWait` and they retry in
 * lockstep. Here the jitter span is kept below the cap instead, so capped delays stay random in
 * `[maxWait - j, maxWait]`, where `j = min(jitter, maxWait / 2)`: never above `maxWait`, never
 * below half of it. Below the cap, with `jitter <= maxWait / 2`, it is tenacity's formula.
 *
 * @example
 * ```ts
 * import { Backoff } from "effect-retry-alerts"
 *
 * Backoff.exponentialDelayMillis(3, 0.5, 1000, 30_000, 1000) // 8500: 1 s * 2^3 + half of 1 s
 * Backoff.exponentialDelayMillis(10, 0.5, 1000, 30_000, 1000) // 29500: capped, still jittered
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const exponentialDelayMillis: (
  n: number,
  u: number,
  initialMillis: number,
  maxWaitMillis: number,
  jitterMillis: number
) => number = Internal.exponentialDelayMillis

/**
 * An exponential backoff with random jitter, capped at `maxWait` jitter included: the delay
 * before retry `n` (from 0) is `min(initial * 2^n, maxWait - j) + U(0, j)` with
 * `j = min(jitter, maxWait / 2)` (see {@link exponentialDelayMillis}). It mirrors tenacity's
 * `wait_exponential_jitter`, except that capped delays stay randomised so that many callers do
 * not retry in lockstep. Jitter draws from Effect's `Random` service. The schedule never stops by
 * itself and outputs the delay it chose; combine it with `Schedule.recurs` to bound it.
 *
 * Throws {@link InvalidOptionError} when `initial` is negative, `maxWait` is not positive, or any
 * duration is NaN, infinite or unparsable.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Backoff } from "effect-retry-alerts"
 *
 * const policy = Backoff.exponential({ maxWait: "10 seconds" }).pipe(
 *   Schedule.intersect(Schedule.recurs(4))
 * )
 * const program = Effect.fail("boom").pipe(Effect.retry(policy))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const exponential: (options: ExponentialOptions) => Schedule.Schedule<Duration.Duration> =
  Internal.exponential

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
