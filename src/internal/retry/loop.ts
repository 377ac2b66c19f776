/**
 * The loop after a first failure: `Effect.retry` with the policy, where the first run replays the
 * failure the first attempt already had, with an event on the run's span (`span.ts`) per failed
 * attempt. Its success resolves the operation's open incidents.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Alert from "../alert.js"
import type { Step } from "../schedule.js"
import type { Identity } from "./plan.js"
import { incidentsOf } from "./services.js"
import { failedAttempt, inLoopSpan, isTraced, type LoopSpan } from "./span.js"

/** A loop ready to run: who it is, and its policy. */
export interface Loop<E, R> extends Identity {
  readonly policy: Schedule.Schedule<Step<E>, E, R>
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

/** The loop of `loop` after the failure `first`, its attempts counted on `span` when there is one. */
const retried = <A, E, R, R2>(
  loop: Loop<E, R2>,
  self: Effect.Effect<A, E, R>,
  first: E,
  span: LoopSpan | undefined
): Effect.Effect<A, E, R | R2 | Alert.AlertServices> =>
  Effect.suspend(() => {
    let replayed = false
    const attempt = Effect.suspend(() => {
      if (!replayed) {
        replayed = true
        return Effect.fail(first)
      }
      if (span !== undefined) span.attempts++
      return self
    })
    const policy =
      span === undefined
        ? loop.policy
        : Schedule.tapOutput(loop.policy, (step) => Effect.sync(() => failedAttempt(span, step)))
    return Effect.tap(Effect.retry(attempt, policy), () => resolveIfOpen(loop))
  })

/**
 * Continues the loop of `loop` whose first attempt already failed with `first`: `Effect.retry`
 * over `self` with the policy, where the first run replays `first` instead of running `self`
 * again. Inside the run's span `span` when the first attempt ran in one; else, when spans go
 * somewhere (a first attempt made outside Effect, by `RetryRuntime`), in a span of its own.
 */
export const afterFailure = <A, E, R, R2>(
  loop: Loop<E, R2>,
  self: Effect.Effect<A, E, R>,
  first: E,
  span?: LoopSpan
): Effect.Effect<A, E, R | R2 | Alert.AlertServices> =>
  span !== undefined
    ? retried(loop, self, first, span)
    : Effect.withFiberRuntime((fiber) =>
        isTraced(fiber)
          ? inLoopSpan(loop, 1, (own) => retried(loop, self, first, own))
          : retried(loop, self, first, undefined)
      )
