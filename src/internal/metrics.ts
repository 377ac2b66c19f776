/**
 * The library's metrics, defined once; `Metrics` documents and re-exports them, and the internal
 * modules count with them without importing a public module.
 */
import * as Metric from "effect/Metric"

export const retries = /*#__PURE__*/ Metric.counter("effect_retry_alerts_retries_total", {
  description: "Retries scheduled after a failed attempt, by operation",
  incremental: true
})

export const giveUps = /*#__PURE__*/ Metric.counter("effect_retry_alerts_give_ups_total", {
  description: "Retry loops that ran out of attempts, by operation",
  incremental: true
})

export const alertsSent = /*#__PURE__*/ Metric.counter("effect_retry_alerts_alerts_sent_total", {
  description: "Firing alerts handed to the notifier, by operation",
  incremental: true
})

export const alertsSuppressed = /*#__PURE__*/ Metric.counter("effect_retry_alerts_alerts_suppressed_total", {
  description: "Alerts suppressed by the per-signature window, by operation",
  incremental: true
})

export const alertsHeldBack = /*#__PURE__*/ Metric.counter("effect_retry_alerts_alerts_held_back_total", {
  description: "Alerts held back by the per-minute channel ceiling, by operation",
  incremental: true
})

export const alertsFailed = /*#__PURE__*/ Metric.counter("effect_retry_alerts_alerts_failed_total", {
  description: "Alerts the notifier failed to deliver, by operation",
  incremental: true
})

export const limiterEntries = /*#__PURE__*/ Metric.gauge("effect_retry_alerts_limiter_entries", {
  description: "Signatures remembered by the in-memory alert limiter"
})

export const retriesRefused = /*#__PURE__*/ Metric.counter("effect_retry_alerts_retries_refused_total", {
  description: "Retries refused by a retry budget, by budget key",
  incremental: true
})

export const incidentsResolved = /*#__PURE__*/ Metric.counter(
  "effect_retry_alerts_incidents_resolved_total",
  {
    description: "Incidents resolved: the operation succeeded after its alert fired, by operation",
    incremental: true
  }
)

export const alertsDropped = /*#__PURE__*/ Metric.counter("effect_retry_alerts_alerts_dropped_total", {
  description: "Alert events dropped by a notifier's full queue or at its shutdown, by operation",
  incremental: true
})

export const incidentsEvicted = /*#__PURE__*/ Metric.counter("effect_retry_alerts_incidents_evicted_total", {
  description: "Open incidents forgotten at the incident store's bound, by operation",
  incremental: true
})
