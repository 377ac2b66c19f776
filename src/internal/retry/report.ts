/**
 * What a retry loop says at each decision of its policy: the warning before a retry, the line
 * when it gives up, the metrics, the note on an open incident, and the alert when `alertAt` is
 * reached. Each reads a decision the policy has made, so it says what the loop really does.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import * as Alert from "../alert.js"
import { isCircuitOpen } from "../circuitBreaker.js"
import * as Describe from "../describe.js"
import * as Metrics from "../metrics.js"
import type { Step } from "../schedule.js"
import { alertRefusal } from "./budget.js"
import type { Plan } from "./plan.js"
import { budgetOf, incidentsOf } from "./services.js"

/** Whether a log line at `level` would be written: the fiber's minimum level lets it through. */
export const logsAt = (fiber: Fiber.RuntimeFiber<unknown, unknown>, level: LogLevel.LogLevel): boolean =>
  // Ordinals compared directly: this runs on connRetry's success path.
  level.ordinal >= fiber.getFiberRef(FiberRef.currentMinimumLogLevel).ordinal

const attempts = (n: number): string => `${n} attempt${n === 1 ? "" : "s"}`

/** How often a worker (`continuous`) writes its failure at error level, with its cause. */
const WORKER_ERROR_EVERY = 10

/**
 * The line before a retry. The message (with its redaction) is built only when it would be
 * written: in an alert storm with warnings filtered out, that is most of the work.
 */
const retrying = <E, R>(
  plan: Plan<E, R>,
  step: Step<E>,
  fiber: Fiber.RuntimeFiber<unknown, unknown>
): Effect.Effect<void> => {
  const delay = Describe.duration(step.delay)
  if (plan.subject._tag === "Worker") {
    const loud = step.attempt % WORKER_ERROR_EVERY === 0
    if (!logsAt(fiber, loud ? LogLevel.Error : LogLevel.Warning)) return Effect.void
    const text = `${plan.name} failed (${step.attempt} failures so far); retrying in ${delay}: ${Describe.summary(step.input)}`
    return Effect.annotateLogs(
      loud ? Effect.logError(text, Cause.fail(step.input)) : Effect.logWarning(text),
      {
        operation: plan.name,
        failures: step.attempt
      }
    )
  }
  if (!logsAt(fiber, LogLevel.Warning)) return Effect.void
  if (isCircuitOpen(step.input)) {
    // Told apart from a failure: the attempt never ran.
    return Effect.annotateLogs(
      Effect.logWarning(
        `${plan.name}: attempt ${Alert.attemptOf(step.attempt, plan.maxAttempts)} rejected by circuit ${step.input.key} (${step.input.state}); retrying in ${delay}`
      ),
      { operation: plan.name, attempt: step.attempt, circuit: step.input.key }
    )
  }
  return Effect.annotateLogs(
    Effect.logWarning(
      `${plan.name} failed on attempt ${Alert.attemptOf(step.attempt, plan.maxAttempts)}; retrying in ${delay}: ${Describe.summary(step.input)}`
    ),
    { operation: plan.name, attempt: step.attempt }
  )
}

/** The line when the attempts run out or the schedule ends. */
const gaveUp = <E, R>(plan: Plan<E, R>, step: Step<E>): string =>
  plan.subject._tag === "Connection"
    ? `${plan.subject.resourceName} ${plan.subject.actionName} failed after retries (${attempts(step.attempt)}): ${Describe.summary(step.input)}`
    : `${plan.name} gave up after ${attempts(step.attempt)}: ${Describe.summary(step.input)}`

/** The alert of the plan's subject, at the step that reached `alertAt`. */
const alertFor = <E, R>(
  plan: Plan<E, R>,
  step: Step<E>
): Effect.Effect<boolean, never, Alert.AlertServices> =>
  plan.subject._tag === "Connection"
    ? Alert.sendInfrastructureAlert(
        {
          resourceName: plan.subject.resourceName,
          actionName: plan.subject.actionName,
          name: plan.name,
          attempt: step.attempt,
          maxAttempts: plan.maxAttempts,
          error: step.input
        },
        step.startedAt
      )
    : Alert.sendCriticalRetryAlert(
        {
          name: plan.name,
          attempt: step.attempt,
          error: step.input,
          context: plan.context,
          maxAttempts: plan.maxAttempts
        },
        { startedAt: step.startedAt, now: step.now }
      )

/** What the loop of `plan` says and does at each decision of its policy. */
export const reporter = <E, R>(plan: Plan<E, R>) => {
  const retries = Metrics.operationCounter(Metrics.retries, plan.name)
  const giveUps = Metrics.operationCounter(Metrics.giveUps, plan.name)
  return (step: Step<E>): Effect.Effect<void, never, Alert.AlertServices> =>
    Effect.withFiberRuntime((fiber) => {
      const incidents = incidentsOf(fiber.currentContext)
      const counted =
        incidents?.isOpen(plan.context, plan.name) === true
          ? incidents.noteFailure(plan.context, plan.name)
          : Effect.void
      const annotations = { operation: plan.name, attempt: step.attempt }
      switch (step.stop) {
        case undefined: {
          const done = Effect.zipRight(Effect.zipRight(counted, retrying(plan, step, fiber)), retries)
          return step.alert ? Effect.zipRight(done, alertFor(plan, step)) : done
        }
        case "not-retryable":
          // Left to the caller, who chose not to retry it.
          return counted
        case "refused": {
          // The budget counted the refusal in Metrics.retriesRefused.
          const budget = budgetOf(fiber.currentContext)
          const log = Effect.logWarning(
            `${plan.name} gave up after ${attempts(step.attempt)}: the retry budget for ${plan.budgetKey} is exhausted: ${Describe.summary(step.input)}`
          ).pipe(Effect.annotateLogs({ ...annotations, budgetKey: plan.budgetKey }))
          return Effect.zipRight(
            Effect.zipRight(counted, log),
            budget === undefined || !plan.alerts
              ? Effect.void
              : alertRefusal(budget, plan.budgetKey, step.startedAt)
          )
        }
        case "deadline": {
          const log = Effect.logError(
            `${plan.name} gave up after ${attempts(step.attempt)}: waiting ${Describe.duration(step.delay)} more would pass its maxElapsed of ${Describe.duration(Duration.millis(plan.maxElapsedMillis!))} (failing since ${Describe.duration(Duration.millis(step.now - step.startedAt))}): ${Describe.summary(step.input)}`
          ).pipe(Effect.annotateLogs(annotations))
          return Effect.zipRight(counted, Effect.zipRight(log, giveUps))
        }
        default: {
          const log = Effect.logError(gaveUp(plan, step)).pipe(Effect.annotateLogs(annotations))
          return Effect.zipRight(counted, Effect.zipRight(log, giveUps))
        }
      }
    })
}
