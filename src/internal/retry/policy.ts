/**
 * The policy of a retry loop, as a `Schedule`: the user's schedule (or `Backoff.exponential`)
 * within the plan's limits, with what the loop says tapped onto each decision. The one policy of
 * `retry`, `connRetry`, `continuous`, `RetryRuntime` and `Retry.policy`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { AlertServices } from "../alert.js"
import * as Backoff from "../backoff.js"
import { isCircuitOpen } from "../circuitBreaker.js"
import * as RetrySchedule from "../schedule.js"
import * as Budget from "./budget.js"
import type { Plan } from "./plan.js"
import { reporter } from "./report.js"

/**
 * A server-requested wait, bounded by `maxRetryAfter`; `undefined` when none, or when the
 * function misbehaves.
 */
const requestedDelay =
  <E, R>(plan: Plan<E, R>) =>
  (error: E, now: number): Duration.Duration | undefined => {
    try {
      const input = plan.retryAfter!(error, now)
      if (input === undefined) return undefined
      const millis = Duration.toMillis(Duration.decode(input))
      if (!Number.isFinite(millis) && millis !== Number.POSITIVE_INFINITY) return undefined
      return Duration.millis(Math.min(Math.max(0, millis), plan.maxRetryAfterMillis))
    } catch {
      // A `retryAfter` that throws (a header it could not parse) asks for nothing.
      return undefined
    }
  }

/**
 * A circuit's rejection asks for its `retryAfter`, whatever the backoff says, in whole millis
 * rounded up: a wait cut short by a fraction would find the circuit still open.
 */
const rejection = (input: unknown): number | undefined =>
  isCircuitOpen(input) ? Math.ceil(Duration.toMillis(input.retryAfter)) : undefined

/**
 * Which failures `plan` retries: those `while` says; with a breaker, its rejections too, which
 * `while` (typed on the effect's own error) never sees.
 */
const shouldRetryOf = <E, R>(plan: Plan<E, R>): ((error: E) => boolean) | undefined => {
  const { shouldRetry } = plan
  if (shouldRetry === undefined || plan.breakerKey === undefined) return shouldRetry
  return (error) => isCircuitOpen(error) || shouldRetry(error)
}

/**
 * The policy of `plan`. Every limit is decided in one `Schedule` step (`RetrySchedule.limit`),
 * the user's schedule included, before anything is said: the warning comes only before a retry
 * that will happen, the give-up line and metric when the loop ends, the alert only when another
 * attempt follows.
 */
export const make = <E, R>(
  plan: Plan<E, R>
): Schedule.Schedule<RetrySchedule.Step<E>, E, R | AlertServices> => {
  const report = reporter(plan)
  const limited = RetrySchedule.limit(plan.schedule ?? Backoff.exponential({ maxWait: plan.maxWait }), {
    maxAttempts: plan.maxAttempts,
    shouldRetry: shouldRetryOf(plan),
    requestedDelay: plan.retryAfter === undefined ? undefined : requestedDelay(plan),
    maxElapsedMillis: plan.maxElapsedMillis,
    alertAttempts: plan.alertAttempts,
    alertAfterMillis: plan.alertAfterMillis,
    rejection,
    admit: plan.budget === "give-up" ? Budget.admit(plan) : undefined
  })
  if (plan.budget === "give-up") return Schedule.tapOutput(limited, report)
  // "skip": the budget never ends the loop; a retry it refuses waits, after the failure is reported.
  return Schedule.tapOutput(
    limited,
    (step): Effect.Effect<void, never, AlertServices> =>
      step.stop === undefined ? Effect.zipRight(report(step), Budget.awaitRetry(plan, step)) : report(step)
  )
}
