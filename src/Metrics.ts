/**
 * Metrics recorded by the retry combinators, the alerts and the limiter, with Effect's `Metric`.
 * Export them with your metrics setup (for example `@effect/opentelemetry`'s metrics exporter)
 * or read them with `Metric.value`.
 *
 * @since 0.1.0
 */
import { Metric } from "effect"

/**
 * Retries scheduled after a failed attempt (attempts after the first), tagged `operation`.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { Metrics } from "effect-retry-alerts"
 *
 * const retriesOfCharge = Metric.value(Metrics.retries.pipe(Metric.tagged("operation", "charge")))
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const retries = Metric.counter("effect_retry_alerts_retries_total", {
  description: "Retries scheduled after a failed attempt, by operation",
  incremental: true
})

/**
 * Retry loops that ran out of attempts, tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const giveUps = Metric.counter("effect_retry_alerts_give_ups_total", {
  description: "Retry loops that ran out of attempts, by operation",
  incremental: true
})

/**
 * Firing alerts the limiter let through and the alert path handed to the notifier, tagged
 * `operation`. Resolved events are counted by {@link incidentsResolved}; a delivery that then
 * fails is counted by {@link alertsFailed} too.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsSent = Metric.counter("effect_retry_alerts_alerts_sent_total", {
  description: "Firing alerts handed to the notifier, by operation",
  incremental: true
})

/**
 * Alerts suppressed because one with the same signature went out within the window, tagged
 * `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsSuppressed = Metric.counter("effect_retry_alerts_alerts_suppressed_total", {
  description: "Alerts suppressed by the per-signature window, by operation",
  incremental: true
})

/**
 * Alerts held back by the channel ceiling (too many alerts per minute), tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsHeldBack = Metric.counter("effect_retry_alerts_alerts_held_back_total", {
  description: "Alerts held back by the per-minute channel ceiling, by operation",
  incremental: true
})

/**
 * Alerts the notifier failed to deliver, tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsFailed = Metric.counter("effect_retry_alerts_alerts_failed_total", {
  description: "Alerts the notifier failed to deliver, by operation",
  incremental: true
})

/**
 * How many signatures the memory limiter remembers (the latest limiter to change).
 *
 * @since 0.1.0
 * @category metrics
 */
export const limiterEntries = Metric.gauge("effect_retry_alerts_limiter_entries", {
  description: "Signatures remembered by the in-memory alert limiter"
})

/**
 * Retries refused by a retry budget, tagged `key` (the budget's key: a dependency).
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-retry-alerts"
 *
 * const refusedForBilling = Metric.value(Metrics.retriesRefused.pipe(Metric.tagged("key", "billing")))
 * ```
 *
 * @since 0.2.0
 * @category metrics
 */
export const retriesRefused = Metric.counter("effect_retry_alerts_retries_refused_total", {
  description: "Retries refused by a retry budget, by budget key",
  incremental: true
})

/**
 * Incidents resolved (a resolved event sent after an alert fired), tagged `operation`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const incidentsResolved = Metric.counter("effect_retry_alerts_incidents_resolved_total", {
  description: "Incidents resolved: the operation succeeded after its alert fired, by operation",
  incremental: true
})

/**
 * Alert events a notifier dropped without trying to deliver them: its queue was full, or it was
 * shutting down. Tagged `operation`. Each drop is also logged (once a minute, with the count).
 *
 * @since 0.3.0
 * @category metrics
 */
export const alertsDropped = Metric.counter("effect_retry_alerts_alerts_dropped_total", {
  description: "Alert events dropped by a notifier's full queue or at its shutdown, by operation",
  incremental: true
})

/**
 * Open incidents forgotten because the incident store reached its `maxEntries`: the least recently
 * active one goes, and will send no resolved event. Tagged `operation`; each is also logged.
 *
 * @since 0.3.0
 * @category metrics
 */
export const incidentsEvicted = Metric.counter("effect_retry_alerts_incidents_evicted_total", {
  description: "Open incidents forgotten at the incident store's bound, by operation",
  incremental: true
})
