/**
 * The span of a retry loop: `retry {name}`, open around every attempt of one run (the first
 * included), with an event per failed attempt. It records failures scrubbed (the span's status,
 * its exception and its events go to a tracing backend) and hands back the very error objects.
 *
 * Opened only when spans go somewhere: under Effect's built-in tracer (no tracing layer
 * installed) nothing reads them, and a call that succeeds at once pays one comparison for it.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Tracer from "effect/Tracer"
import * as Describe from "../describe.js"
import type { Step } from "../schedule.js"
import type { Identity } from "./plan.js"

/** The span's attributes and event: OpenTelemetry's names where they exist, `retry.*` otherwise. */
export const SpanNames = {
  /** The operation's name (attribute of the span). */
  operation: "retry.operation",
  /** Attempts made, the first included (attribute of the span, set when it ends). */
  attempts: "retry.attempts",
  /** `success`, `failure`, `defect` or `interrupted` (attribute of the span). */
  outcome: "retry.outcome",
  /** The event of a failed attempt. */
  attemptFailed: "retry.attempt_failed",
  /** The number of the attempt that failed, from 1 (attribute of the event). */
  attempt: "retry.attempt",
  /** The wait before the next attempt, in milliseconds, when one follows (attribute of the event). */
  delay: "retry.delay_ms",
  /** Why no attempt follows: `attempts`, `not-retryable`, `deadline`, `schedule`, `refused`. */
  stop: "retry.stop",
  /** OpenTelemetry's `error.type`: the failure's `_tag`, else its class or `name`. */
  errorType: "error.type",
  /** OpenTelemetry's `error.message`: the failure's message, scrubbed of secrets. */
  errorMessage: "error.message"
} as const

/** One run's span, and the attempts it has seen. */
export interface LoopSpan {
  readonly span: Tracer.Span
  attempts: number
}

const builtIn = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * Whether a span made in `fiber` goes anywhere: a tracer other than Effect's built-in one is
 * installed (a tracing layer, `Effect.withTracer`), and tracing is not turned off.
 */
export const isTraced = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.currentTracer !== builtIn && fiber.getFiberRef(FiberRef.currentTracerEnabled)

/** What the span sees of a failure: its type and message, scrubbed, the failure kept to hand back. */
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

/** The attributes a run's end gives its span. */
const ended = (loop: LoopSpan, exit: Exit.Exit<unknown, unknown>): void => {
  loop.span.attribute(SpanNames.attempts, loop.attempts)
  const result = outcome(exit)
  loop.span.attribute(SpanNames.outcome, result)
  if (Exit.isFailure(exit) && result !== "interrupted") {
    loop.span.attribute(SpanNames.errorType, Describe.typeName(Cause.squash(exit.cause)))
  }
}

const nanosPerMilli = BigInt(1_000_000)

/**
 * The event of the failed attempt of `step`, at the time of the failure: its number, the error's
 * type and scrubbed message, and the wait before the next attempt, or why none follows.
 */
export const failedAttempt = (loop: LoopSpan, step: Step<unknown>): void => {
  const attributes: Record<string, unknown> = {
    [SpanNames.attempt]: step.attempt,
    [SpanNames.errorType]: Describe.typeName(step.input),
    [SpanNames.errorMessage]: Describe.scrubbedMessage(step.input)
  }
  if (step.stop === undefined) attributes[SpanNames.delay] = Math.round(Duration.toMillis(step.delay))
  else attributes[SpanNames.stop] = step.stop
  loop.span.event(SpanNames.attemptFailed, BigInt(Math.round(step.now)) * nanosPerMilli, attributes)
}

/**
 * `body` in the span `retry {name}` of `identity`, given the span and the attempts made before
 * it opened. The span ends with the failure scrubbed; the caller gets the very error object back
 * (inside a span, Effect wraps failed objects and defects in a proxy that carries the span).
 */
export const inLoopSpan = <A, E, R>(
  identity: Identity,
  attempts: number,
  body: (loop: LoopSpan) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.catchAllCause(
    Effect.useSpan(
      `retry ${identity.name}`,
      // No stack trace: it would point here, not at the caller.
      { attributes: { [SpanNames.operation]: identity.name }, captureStackTrace: false },
      (span) => {
        const loop: LoopSpan = { span, attempts }
        return body(loop).pipe(
          Effect.withParentSpan(span),
          Effect.onExit((exit) => Effect.sync(() => ended(loop, exit))),
          Effect.catchAllCause((cause) => Effect.failCause(scrubbedCause(cause)))
        )
      }
    ),
    (cause) => Effect.failCause(originalCause(cause))
  )
