/**
 * The limits every retry loop of the library puts on a backoff schedule: a number of attempts,
 * a predicate on the failure, a delay the failure itself asks for (a server's `Retry-After`), a
 * deadline that no wait may pass, a last word before each retry (a retry budget), and the one
 * moment of the loop when it should alert. One `Schedule` combinator, so that `Retry`, the webhook
 * deliveries and the Redis reconnects all retry the same way, with `Effect.retry`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import * as ScheduleIntervals from "effect/ScheduleIntervals"

/** Why a limited schedule stopped. */
export type Stop =
  /** The attempt that failed was the last one allowed. */
  | "attempts"
  /** The failure is not one to retry (`shouldRetry` said no). */
  | "not-retryable"
  /** The next wait would end past the deadline. */
  | "deadline"
  /** The backoff schedule itself ended. */
  | "schedule"
  /** `admit` refused the retry (a retry budget). */
  | "refused"
  /** The failure is a rejection that asks for an endless wait (an isolated circuit). */
  | "rejected"

/** What a limited schedule outputs at each failure. */
export interface Step<In> {
  /** The number of the attempt that just failed, from 1. */
  readonly attempt: number
  /** The failure. */
  readonly input: In
  /** The wait before the next attempt; when stopping, the wait that was refused (or zero). */
  readonly delay: Duration.Duration
  /** Why the loop stops here, or `undefined` when it goes on. */
  readonly stop: Stop | undefined
  /** Whether this failure is the one that should alert: at most once per loop, never on a stop. */
  readonly alert: boolean
  /** Clock millis of the first failure (or of the given `startedAt`). */
  readonly startedAt: number
  /** Clock millis of this failure. */
  readonly now: number
}

/** The limits, validated by the caller. */
export interface Limits<In, R = never> {
  /** Every attempt counts, the first one included. */
  readonly maxAttempts: number
  readonly shouldRetry?: ((input: In) => boolean) | undefined
  /** A delay the failure asks for; it replaces the backoff's delay for that step. */
  readonly requestedDelay?: ((input: In, now: number) => Duration.Duration | undefined) | undefined
  /** No wait may end more than this after `startedAt`. */
  readonly maxElapsedMillis?: number | undefined
  /** Where the deadline counts from; default: the first failure. */
  readonly startedAt?: number | undefined
  /** Alert at the first failure whose attempt reaches this number... */
  readonly alertAttempts?: number | undefined
  /** ...or that comes this long after the first failure, whichever is first. */
  readonly alertAfterMillis?: number | undefined
  /**
   * A wait the failure demands, in millis (a circuit's rejection: its `retryAfter`), or
   * `undefined`. Such a failure is retried after that wait, not the backoff's (which is not
   * stepped: nothing reached the dependency), within the attempts and the deadline, without
   * alerting and without `admit`; an infinite wait stops the loop.
   */
  readonly rejection?: ((input: In) => number | undefined) | undefined
  /** Asked last, before a retry that every other limit allows: `false` stops the loop. */
  readonly admit?: ((step: Step<In>) => Effect.Effect<boolean, never, R>) | undefined
}

interface State {
  readonly base: unknown
  readonly attempt: number
  readonly startedAt: number | undefined
  readonly alerted: boolean
}

type Result<In> = readonly [State, Step<In>, ScheduleDecision.ScheduleDecision]

/**
 * `base` (a backoff) within `limits`. Outputs a {@link Step} for every failure, the one that stops
 * the loop included, so that `Effect.retryOrElse` can say why it gave up.
 */
export const limit = <Out, In, R, R2 = never>(
  base: Schedule.Schedule<Out, In, R>,
  limits: Limits<In, R2>
): Schedule.Schedule<Step<In>, In, R | R2> => {
  const {
    maxAttempts,
    shouldRetry,
    requestedDelay,
    maxElapsedMillis,
    alertAttempts,
    alertAfterMillis,
    rejection,
    admit
  } = limits
  const initial: State = { base: base.initial, attempt: 0, startedAt: limits.startedAt, alerted: false }
  return Schedule.makeWithState(initial, (now, input, state): Effect.Effect<Result<In>, never, R | R2> => {
    const attempt = state.attempt + 1
    const startedAt = state.startedAt ?? now
    const stopped = (stop: Stop, delay: Duration.Duration, baseState: unknown): Result<In> => [
      { base: baseState, attempt, startedAt, alerted: state.alerted },
      { attempt, input, delay, stop, alert: false, startedAt, now },
      ScheduleDecision.done
    ]
    // The attempts first: the predicate is asked only about failures that could be retried.
    if (attempt >= maxAttempts) return Effect.succeed(stopped("attempts", Duration.zero, state.base))
    if (shouldRetry !== undefined && !shouldRetry(input)) {
      return Effect.succeed(stopped("not-retryable", Duration.zero, state.base))
    }
    const rejectedFor = rejection?.(input)
    if (rejectedFor !== undefined) {
      if (rejectedFor === Number.POSITIVE_INFINITY) {
        return Effect.succeed(stopped("rejected", Duration.infinity, state.base))
      }
      const wait = Duration.millis(rejectedFor)
      if (maxElapsedMillis !== undefined && now + rejectedFor > startedAt + maxElapsedMillis) {
        return Effect.succeed(stopped("deadline", wait, state.base))
      }
      return Effect.succeed<Result<In>>([
        { base: state.base, attempt, startedAt, alerted: state.alerted },
        { attempt, input, delay: wait, stop: undefined, alert: false, startedAt, now },
        ScheduleDecision.continueWith(ScheduleInterval.after(now + rejectedFor))
      ])
    }
    return Effect.flatMap(base.step(now, input, state.base), ([baseState, _, decision]) => {
      if (ScheduleDecision.isDone(decision))
        return Effect.succeed(stopped("schedule", Duration.zero, baseState))
      const requested = requestedDelay?.(input, now)
      const delayMillis =
        requested === undefined
          ? Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
          : Duration.toMillis(requested)
      const delay = Duration.millis(delayMillis)
      if (maxElapsedMillis !== undefined && now + delayMillis > startedAt + maxElapsedMillis) {
        return Effect.succeed(stopped("deadline", delay, baseState))
      }
      const alert =
        !state.alerted &&
        ((alertAttempts !== undefined && attempt >= alertAttempts) ||
          (alertAfterMillis !== undefined && now - startedAt >= alertAfterMillis))
      const step: Step<In> = { attempt, input, delay, stop: undefined, alert, startedAt, now }
      const continued: Result<In> = [
        { base: baseState, attempt, startedAt, alerted: state.alerted || alert },
        step,
        requested === undefined
          ? decision
          : ScheduleDecision.continueWith(ScheduleInterval.after(now + delayMillis))
      ]
      if (admit === undefined) return Effect.succeed(continued)
      return Effect.map(admit(step), (admitted) =>
        admitted ? continued : stopped("refused", delay, baseState)
      )
    })
  })
}
