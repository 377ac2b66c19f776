/**
 * The limits every retry loop of the library puts on a backoff schedule: a number of attempts,
 * a predicate on the failure, a delay the failure itself asks for (a server's `Retry-After`), and
 * a deadline that no wait may pass. One `Schedule` combinator, so that `Retry`, the webhook
 * deliveries and the Redis reconnects retry the same way, with `Effect.retry`.
 *
 * @internal
 */
import { Duration, Effect, Schedule, ScheduleDecision, ScheduleInterval, ScheduleIntervals } from "effect"

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
  /** Clock millis of the first failure (or of the given `startedAt`). */
  readonly startedAt: number
  /** Clock millis of this failure. */
  readonly now: number
}

/** The limits, validated by the caller. */
export interface Limits<In> {
  /** Every attempt counts, the first one included. */
  readonly maxAttempts: number
  readonly shouldRetry?: ((input: In) => boolean) | undefined
  /** A delay the failure asks for; it replaces the backoff's delay for that step. */
  readonly requestedDelay?: ((input: In) => Duration.Duration | undefined) | undefined
  /** No wait may end more than this after `startedAt`. */
  readonly maxElapsedMillis?: number | undefined
  /** Where the deadline counts from; default: the first failure. */
  readonly startedAt?: number | undefined
}

interface State {
  readonly base: unknown
  readonly attempt: number
  readonly startedAt: number | undefined
}

type Result<In> = readonly [State, Step<In>, ScheduleDecision.ScheduleDecision]

/**
 * `base` (a backoff) within `limits`. Outputs a {@link Step} for every failure, the one that stops
 * the loop included, so that `Effect.retryOrElse` can say why it gave up.
 */
export const limit = <Out, In, R>(
  base: Schedule.Schedule<Out, In, R>,
  limits: Limits<In>
): Schedule.Schedule<Step<In>, In, R> => {
  const { maxAttempts, shouldRetry, requestedDelay, maxElapsedMillis } = limits
  const initial: State = { base: base.initial, attempt: 0, startedAt: limits.startedAt }
  return Schedule.makeWithState(initial, (now, input, state): Effect.Effect<Result<In>, never, R> => {
    const attempt = state.attempt + 1
    const startedAt = state.startedAt ?? now
    const stopped = (stop: Stop, delay: Duration.Duration, baseState: unknown) =>
      Effect.succeed<Result<In>>([
        { base: baseState, attempt, startedAt },
        { attempt, input, delay, stop, startedAt, now },
        ScheduleDecision.done
      ])
    if (shouldRetry !== undefined && !shouldRetry(input)) {
      return stopped("not-retryable", Duration.zero, state.base)
    }
    if (attempt >= maxAttempts) return stopped("attempts", Duration.zero, state.base)
    return Effect.flatMap(
      base.step(now, input, state.base),
      ([baseState, _, decision]): Effect.Effect<Result<In>> => {
        if (ScheduleDecision.isDone(decision)) return stopped("schedule", Duration.zero, baseState)
        const requested = requestedDelay?.(input)
        const delayMillis =
          requested === undefined
            ? Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
            : Duration.toMillis(requested)
        const delay = Duration.millis(delayMillis)
        if (maxElapsedMillis !== undefined && now + delayMillis > startedAt + maxElapsedMillis) {
          return stopped("deadline", delay, baseState)
        }
        return Effect.succeed<Result<In>>([
          { base: baseState, attempt, startedAt },
          { attempt, input, delay, stop: undefined, startedAt, now },
          requested === undefined
            ? decision
            : ScheduleDecision.continueWith(ScheduleInterval.after(now + delayMillis))
        ])
      }
    )
  })
}
