/**
 * The retry loop shared by `Retry` and `RetryRuntime`.
 *
 * @internal
 */
import {
  Cause,
  type Duration,
  Effect,
  Exit,
  type Fiber,
  FiberRef,
  LogLevel,
  Metric,
  Schedule,
  type ScheduleDecision
} from "effect"
import * as Backoff from "../Backoff.js"
import * as Metrics from "../Metrics.js"
import * as Alert from "./alert.js"
import * as Describe from "./describe.js"
import type { AlertLimiter } from "./limiter.js"
import type { Notifier } from "./notifier.js"
import * as Options from "./options.js"

/** The services a retry with alerting needs. */
export type Requirements = AlertLimiter | Notifier

/** The largest `maxAttempts` accepted: one less than 2^31. */
export const MAX_ATTEMPTS_LIMIT = 2 ** 31 - 1

/** What a retry loop needs to know, once its options are validated. */
export interface Plan<E> {
  readonly name: string
  readonly maxAttempts: number
  readonly maxWait: Duration.Duration
  readonly shouldRetry: (error: E) => boolean
  /** Sent when the excessive-retry threshold attempt fails and another attempt will follow. */
  readonly alert: (attempt: number, error: E) => Effect.Effect<boolean, never, Requirements>
  /** Whether the loop itself logs an error when it gives up. */
  readonly logGiveUp: boolean
}

/** The user-facing options every retry combinator shares. */
export interface PlanOptions<E> {
  readonly name: string
  readonly context?: string | undefined
  readonly maxAttempts?: number | undefined
  readonly maxWait?: Duration.DurationInput | undefined
  readonly while?: ((error: E) => boolean) | undefined
}

const always = () => true

/** Validates `options`, throwing `InvalidOptionError` naming the first bad one. */
export const resolve = <E>(
  options: PlanOptions<E>,
  defaults: { readonly maxAttempts: number }
): Omit<Plan<E>, "alert" | "logGiveUp"> & { readonly context: string } => {
  if (options === null || typeof options !== "object") {
    throw new Options.InvalidOptionError({ option: "options", reason: "must be an object with a name" })
  }
  if (options.context !== undefined && typeof options.context !== "string") {
    throw new Options.InvalidOptionError({ option: "context", reason: "must be a string" })
  }
  if (options.while !== undefined && typeof options.while !== "function") {
    throw new Options.InvalidOptionError({ option: "while", reason: "must be a function" })
  }
  return {
    name: Options.name("name", options.name),
    context: options.context ?? "",
    maxAttempts: Options.wholeNumber(
      "maxAttempts",
      options.maxAttempts ?? defaults.maxAttempts,
      1,
      MAX_ATTEMPTS_LIMIT
    ),
    maxWait: Options.duration("maxWait", options.maxWait ?? "30 seconds"),
    shouldRetry: options.while ?? always
  }
}

/**
 * The retry policy: `Backoff.exponential` intersected with `Schedule.recurs`, stopped early by
 * the `while` predicate, with logging and the alert tapped onto each decision.
 */
export const policy = <E>(plan: Plan<E>): Schedule.Schedule<unknown, E, Requirements> => {
  const counters = {
    retries: Metric.increment(Metric.tagged(Metrics.retries, "operation", plan.name)),
    giveUps: Metric.increment(Metric.tagged(Metrics.giveUps, "operation", plan.name))
  }
  return Backoff.exponential({ maxWait: plan.maxWait }).pipe(
    Schedule.intersect(Schedule.recurs(plan.maxAttempts - 1)),
    Schedule.whileInput(plan.shouldRetry),
    // Carries the failure to the decision tap below.
    Schedule.intersect(Schedule.identity<E>()),
    Schedule.onDecision(([[delay, retries], error], decision) =>
      onDecision(plan, counters, retries + 1, delay, error, decision)
    )
  )
}

const onDecision = <E>(
  plan: Plan<E>,
  counters: { readonly retries: Effect.Effect<void>; readonly giveUps: Effect.Effect<void> },
  attempt: number,
  delay: Duration.Duration,
  error: E,
  decision: ScheduleDecision.ScheduleDecision
): Effect.Effect<void, never, Requirements> => {
  if (decision._tag === "Continue") {
    // The message (with its redaction) is built only when a warning would be written: in an
    // alert storm with warnings filtered out, that is most of the work.
    const warn = Effect.withFiberRuntime((fiber) =>
      logsAt(fiber, LogLevel.Warning)
        ? Effect.logWarning(
            `${plan.name} failed on attempt ${attempt}/${plan.maxAttempts}; retrying in ${Describe.duration(delay)}: ${Describe.summary(error)}`
          ).pipe(Effect.annotateLogs({ operation: plan.name, attempt }))
        : Effect.void
    ).pipe(Effect.zipRight(counters.retries))
    return attempt === Alert.EXCESSIVE_RETRY_THRESHOLD
      ? Effect.zipRight(warn, plan.alert(attempt, error))
      : warn
  }
  // Done: either the attempts ran out, or the failure is not retryable (left to the caller).
  // Telling them apart by the count keeps the user's `while` predicate to one call per failure.
  if (attempt < plan.maxAttempts) return Effect.void
  if (!plan.logGiveUp) return counters.giveUps
  return Effect.logError(`${plan.name} gave up after ${attempt} attempts: ${Describe.summary(error)}`).pipe(
    Effect.annotateLogs({ operation: plan.name, attempt }),
    Effect.zipRight(counters.giveUps)
  )
}

const originalCause = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.match(cause, {
    onEmpty: cause,
    onFail: (error) => Cause.fail(Cause.originalError(error)),
    onDie: (defect) => Cause.die(Cause.originalError(defect)),
    onInterrupt: Cause.interrupt,
    onSequential: Cause.sequential,
    onParallel: Cause.parallel
  })

const outcome = (exit: Exit.Exit<unknown, unknown>): string =>
  Exit.isSuccess(exit)
    ? "success"
    : Cause.isInterruptedOnly(exit.cause)
      ? "interrupted"
      : Cause.isFailure(exit.cause)
        ? "failure"
        : "defect"

/**
 * Continues a retry loop whose first attempt already failed with `first`: `Effect.retry` over
 * `self` with the full policy, where the first run replays `first` instead of running `self`
 * again. The success path (no failure) never reaches this, so it builds no schedule state and
 * opens no span. The loop runs in a span `retry {name}` whose attributes say how many attempts
 * were made and how it ended, and it fails with the original error object.
 */
export const retryAfterFailure = <A, E, R, R2>(
  self: Effect.Effect<A, E, R>,
  first: E,
  schedule: Schedule.Schedule<unknown, E, R2>,
  name: string
): Effect.Effect<A, E, R | R2> =>
  Effect.suspend(() => {
    let attempts = 1
    let replayed = false
    const attempt = Effect.suspend(() => {
      if (!replayed) {
        replayed = true
        return Effect.fail(first)
      }
      attempts++
      return self
    })
    return Effect.retry(attempt, schedule).pipe(
      Effect.onExit((exit) =>
        Effect.annotateCurrentSpan({ "retry.attempts": attempts, "retry.outcome": outcome(exit) })
      ),
      Effect.withSpan(`retry ${name}`, { attributes: { "retry.operation": name } }),
      // Inside a span, Effect wraps failed objects and defects in a proxy that carries the span;
      // hand back the very objects, as if there were no retry around the operation.
      Effect.mapErrorCause(originalCause)
    )
  })

/**
 * Continues a retry loop for `plan` after a first failure (see {@link retryAfterFailure}). The
 * schedule is built on the first failure, not when the combinator is made: a combinator made
 * per call and never failing costs no schedule.
 */
export const continueWith = <E>(plan: Plan<E>) => {
  let schedule: Schedule.Schedule<unknown, E, Requirements> | undefined
  return <A, E2 extends E, R>(
    self: Effect.Effect<A, E2, R>,
    first: E2
  ): Effect.Effect<A, E2, R | Requirements> => {
    schedule ??= policy(plan)
    return retryAfterFailure(self, first, schedule as Schedule.Schedule<unknown, E2, Requirements>, plan.name)
  }
}

/** The retry combinator for `plan`: one `catchAll` on the success path, the policy after. */
export const retryWith = <E>(plan: Plan<E>) => {
  const continueAfter = continueWith(plan)
  return <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>): Effect.Effect<A, E2, R | Requirements> =>
    Effect.catchAll(self, (first) => continueAfter(self, first))
}

/** Whether a log line at `level` would be written: the fiber's minimum level lets it through. */
export const logsAt = (fiber: Fiber.RuntimeFiber<unknown, unknown>, level: LogLevel.LogLevel): boolean =>
  // Ordinals compared directly: this runs on connRetry's success path.
  level.ordinal >= fiber.getFiberRef(FiberRef.currentMinimumLogLevel).ordinal
