/**
 * The library's metrics, defined once; `Metrics` documents and re-exports them, and the internal
 * modules count with them without importing a public module. The `operation` label is bounded:
 * Effect's metric registry never frees a series, and operation names can be many.
 */
import * as Effect from "effect/Effect"
import * as GlobalValue from "effect/GlobalValue"
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

/** The most distinct operation names the metrics tag with their own `operation` label. */
export const MAX_OPERATIONS = 1_000

/** The `operation` label of every operation name past {@link MAX_OPERATIONS}. */
export const OTHER_OPERATION = "_other"

/**
 * The operation names labelled so far, and whether the overflow was logged. Process-wide, as the
 * metric registry it bounds is: one per process, shared by every copy of the library loaded.
 */
interface OperationLabels {
  readonly names: Set<string>
  warned: boolean
}

const labels = GlobalValue.globalValue(
  Symbol.for("effect-retry-alerts/Metrics/operationLabels"),
  (): OperationLabels => ({ names: new Set(), warned: false })
)

/** How many operation names have a label of their own. */
export const labelledOperations = (): number => labels.names.size

/**
 * The `operation` label of `name`: the name itself for the first {@link MAX_OPERATIONS} names
 * seen in the process (and for those forever after), {@link OTHER_OPERATION} for any other.
 */
export const operationLabel = (name: string): string => {
  if (labels.names.has(name)) return name
  if (labels.names.size < MAX_OPERATIONS) {
    labels.names.add(name)
    return name
  }
  return OTHER_OPERATION
}

const overflowed = (name: string): Effect.Effect<void> =>
  Effect.logWarning(
    `effect-retry-alerts: more than ${MAX_OPERATIONS} distinct operation names in this process; the metrics of "${name}" and of every later new name are tagged operation="${OTHER_OPERATION}" (a metric series is never freed)`
  ).pipe(Effect.annotateLogs({ operation: name }))

/** `increment`, after the overflow's warning when `label` is the first overflowing one. */
const warnedOnce = (label: string, name: string, increment: Effect.Effect<void>): Effect.Effect<void> => {
  if (label !== OTHER_OPERATION || labels.warned) return increment
  labels.warned = true
  return Effect.zipRight(overflowed(name), increment)
}

/** Increments `metric` tagged with the operation label of `name`. */
export const countOperation = (metric: Metric.Metric.Counter<number>, name: string): Effect.Effect<void> =>
  Effect.suspend(() => {
    const label = operationLabel(name)
    return warnedOnce(label, name, Metric.increment(Metric.tagged(metric, "operation", label)))
  })

/**
 * {@link countOperation} for a loop that counts often: the label is chosen at the first count,
 * and the tagged metric kept for the others.
 */
export const operationCounter = (
  metric: Metric.Metric.Counter<number>,
  name: string
): Effect.Effect<void> => {
  let increment: Effect.Effect<void> | undefined
  return Effect.suspend(() => {
    if (increment !== undefined) return increment
    const label = operationLabel(name)
    increment = Metric.increment(Metric.tagged(metric, "operation", label))
    return warnedOnce(label, name, increment)
  })
}
