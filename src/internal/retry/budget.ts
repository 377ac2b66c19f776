/**
 * A retry loop and its retry budget, when one is provided: asking for each retry, the alert of a
 * refusal, and the two ways to meet one (`retry` gives up; `continuous` skips the attempt and
 * waits its delay again). The first attempts' deposits are in `run.ts`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Alert from "../alert.js"
import * as Describe from "../describe.js"
import type { RetryBudgetService } from "../retryBudget.js"
import type { Step } from "../schedule.js"
import type { Plan } from "./plan.js"
import { budgetOf, incidentsOf } from "./services.js"

/** The operation name of the budget's alert, whose context is the budget key. */
export const BUDGET_OPERATION = "retry budget"

const budgetExhausted = (key: string) => ({
  _tag: "RetryBudgetExhausted",
  message: `retries to ${key} refused by the retry budget`
})

/** The alert sent when `key`'s budget refuses a retry: rate limited like every alert. */
export const alertRefusal = (
  budget: RetryBudgetService,
  key: string,
  startedAt: number
): Effect.Effect<void, never, Alert.AlertServices> => {
  const refused = budget.status(key).refusedLastMinute
  const text = [
    `⚠️ Retry budget for ${key} exhausted: ${refused} ${refused === 1 ? "retry" : "retries"} refused in the last minute`,
    "",
    `Retries to ${key} are refused: the callers are retrying more than the budget allows, so the dependency is likely down or overloaded. Calls fail at their first error until retries are allowed again.`
  ].join("\n")
  return Effect.asVoid(
    Alert.fire({
      name: BUDGET_OPERATION,
      context: key,
      error: budgetExhausted(key),
      severity: "warning",
      title: `Retry budget for ${key} exhausted`,
      text,
      startedAt
    })
  )
}

const allowed = /*#__PURE__*/ Effect.succeed(true)
const refused = /*#__PURE__*/ Effect.succeed(false)

/**
 * Asks the current fiber's retry budget, when there is one, for one retry of `plan`: `true` when
 * allowed, else `onRefused(budget)`. A retry allowed again resolves the budget's alert for the key.
 */
const ask = <E, R>(
  plan: Plan<E, R>,
  onRefused: (budget: RetryBudgetService) => Effect.Effect<boolean, never, Alert.AlertServices>
): Effect.Effect<boolean, never, Alert.AlertServices> =>
  Effect.withFiberRuntime((fiber) => {
    const budget = budgetOf(fiber.currentContext)
    if (budget === undefined) return allowed
    if (!budget.tryWithdraw(plan.budgetKey)) return onRefused(budget)
    if (!plan.alerts) return allowed
    return incidentsOf(fiber.currentContext)?.isOpen(plan.budgetKey, BUDGET_OPERATION) === true
      ? Effect.as(Alert.resolve(plan.budgetKey, BUDGET_OPERATION), true)
      : allowed
  })

/** The "give up" mode: whether the budget allows the retry; a refusal ends the loop. */
export const admit = <E, R>(plan: Plan<E, R>) => {
  const giveUp = () => refused
  return (): Effect.Effect<boolean, never, Alert.AlertServices> => ask(plan, giveUp)
}

/**
 * The "skip" mode: waits until the budget allows the retry after `step`. Each refusal skips an
 * attempt (the function is not called): it is logged, alerted when the loop alerts, and the loop
 * waits its delay again before asking anew.
 */
export const awaitRetry = <E, R>(
  plan: Plan<E, R>,
  step: Step<E>
): Effect.Effect<void, never, Alert.AlertServices> => {
  const delay = Describe.duration(step.delay)
  const skip = (budget: RetryBudgetService): Effect.Effect<boolean, never, Alert.AlertServices> =>
    Effect.logWarning(
      `${plan.name}: the retry budget for ${plan.budgetKey} is exhausted; the next attempt is skipped, trying again in ${delay}`
    ).pipe(
      Effect.annotateLogs({ operation: plan.name, budgetKey: plan.budgetKey }),
      Effect.zipRight(plan.alerts ? alertRefusal(budget, plan.budgetKey, step.startedAt) : Effect.void),
      Effect.zipRight(Effect.sleep(step.delay)),
      Effect.zipRight(Effect.suspend(() => ask(plan, skip)))
    )
  return Effect.asVoid(ask(plan, skip))
}
