/** The services a retry or an alert needs in a test, built fresh by each call. */
import { Layer } from "effect"
import { AlertLimiter, NotifierTest, RetryBudget } from "../../src/index.js"

/** What {@link services} provides: the limiter, the incident store, the notifier and its controls. */
export type Services =
  | Layer.Layer.Success<ReturnType<typeof AlertLimiter.layer>>
  | Layer.Layer.Success<ReturnType<typeof NotifierTest.layer>>

export interface ServicesOptions {
  /** Options of the memory limiter (and its incident store). Default: the limiter's defaults. */
  readonly limiter?: AlertLimiter.Options
}

/**
 * Fresh alert services for one test: the limiter and the incident store in memory, and the
 * recording notifier (`NotifierTest`); with `budget`, a memory retry budget too. Each call builds
 * new state: give each test its own call.
 */
export function services(options?: ServicesOptions): Layer.Layer<Services>
export function services(
  options: ServicesOptions & { readonly budget: RetryBudget.Options }
): Layer.Layer<Services | RetryBudget.RetryBudget>
export function services(
  options: ServicesOptions & { readonly budget?: RetryBudget.Options } = {}
): Layer.Layer<Services> | Layer.Layer<Services | RetryBudget.RetryBudget> {
  const alerts = Layer.merge(AlertLimiter.layer(options.limiter), NotifierTest.layer())
  return options.budget === undefined ? alerts : Layer.merge(alerts, RetryBudget.layer(options.budget))
}
