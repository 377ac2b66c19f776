/**
 * The loop after a first failure: `Effect.retry` with the policy, where the first run replays the
 * failure the first attempt already had, in a span `retry {name}` that records the failure
 * scrubbed, and that hands back the very error object. Its success resolves the operation's open
 * incidents.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Schedule from "effect/Schedule"
import * as Alert from "../alert.js"
import * as Describe from "../describe.js"
import type { Identity } from "./plan.js"
import { incidentsOf } from "./services.js"

/** A loop ready to run: who it is, and its policy. */
export interface Loop<E, R> extends Identity {
  readonly policy: Schedule.Schedule<unknown, E, R>
}

/**
 * Resolves the incidents of `identity` when this process knows one is open. A loop that never
 * alerts (`continuous` without `alertAt`, which needs no notifier) resolves nothing.
 */
export const resolveIfOpen = (identity: Identity): Effect.Effect<void, never, Alert.AlertServices> =>
  identity.alerts
    ? Effect.withFiberRuntime((fiber) =>
        incidentsOf(fiber.currentContext)?.isOpen(identity.context, identity.name) === true
          ? Alert.resolve(identity.context, identity.name)
          : Effect.void
      )
    : Effect.void

/**
 * What the retry's span sees of a failure: its type and message, scrubbed (the span's status and
 * exception event go to a tracing backend), with the failure itself kept to hand back.
 */
class ScrubbedFailure extends Error {
  constructor(readonly original: unknown) {
    super(Describe.summary(original))
    this.name = "RetryFailure"
    // The stack would quote the original message: the scrubbed summary stands in for it.
    this.stack = `RetryFailure: ${this.message}`
  }
}

const scrubbedCause = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.map(cause, (error) => new ScrubbedFailure(Cause.originalError(error)) as E)

const originalCause = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.match(cause, {
    onEmpty: cause,
    onFail: (error) => {
      const unwrapped = Cause.originalError(error)
      return Cause.fail(unwrapped instanceof ScrubbedFailure ? (unwrapped.original as E) : unwrapped)
    },
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
 * Continues the loop of `loop` whose first attempt already failed with `first`: `Effect.retry`
 * over `self` with the policy, where the first run replays `first` instead of running `self`
 * again. The span's attributes say how many attempts were made and how it ended; it fails with
 * the original error object.
 */
export const afterFailure = <A, E, R, R2>(
  loop: Loop<E, R2>,
  self: Effect.Effect<A, E, R>,
  first: E
): Effect.Effect<A, E, R | R2 | Alert.AlertServices> =>
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
    return Effect.retry(attempt, loop.policy).pipe(
      Effect.tap(() => resolveIfOpen(loop)),
      Effect.onExit((exit) =>
        Effect.annotateCurrentSpan({ "retry.attempts": attempts, "retry.outcome": outcome(exit) })
      ),
      // The span records the failure scrubbed; the caller gets the very error object back.
      Effect.mapErrorCause(scrubbedCause),
      Effect.withSpan(`retry ${loop.name}`, { attributes: { "retry.operation": loop.name } }),
      // Inside a span, Effect wraps failed objects and defects in a proxy that carries the span;
      // hand back the very objects, as if there were no retry around the operation.
      Effect.mapErrorCause(originalCause)
    )
  })
