/**
 * Metrics recorded by the retry combinators, the alerts and the limiter, with Effect's `Metric`.
 * Export them with your metrics setup (for example `@effect/opentelemetry`'s metrics exporter)
 * or read them with `Metric.value`.
 *
 * The `operation` label is bounded: Effect's metric registry never frees a series, so the first
 * {@link MAX_OPERATIONS} distinct operation names of a process get their own series, and later
 * new names share `operation="_other"` ({@link OTHER_OPERATION}); the first such name logs one
 * warning.
 *
 * @since 0.1.0
 */
import type * as Metric from "effect/Metric"
import * as CircuitTelemetry from "./internal/circuit/telemetry.js"
import * as Internal from "./internal/metrics.js"

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
export const retries: Metric.Metric.Counter<number> = Internal.retries

/**
 * Retry loops that ran out of attempts, tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const giveUps: Metric.Metric.Counter<number> = Internal.giveUps

/**
 * Firing alerts the limiter let through and the alert path handed to the notifier, tagged
 * `operation`. Resolved events are counted by {@link incidentsResolved}; a delivery that then
 * fails is counted by {@link alertsFailed} too.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsSent: Metric.Metric.Counter<number> = Internal.alertsSent

/**
 * Alerts suppressed because one with the same signature went out within the window, tagged
 * `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsSuppressed: Metric.Metric.Counter<number> = Internal.alertsSuppressed

/**
 * Alerts held back by the channel ceiling (too many alerts per minute), tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsHeldBack: Metric.Metric.Counter<number> = Internal.alertsHeldBack

/**
 * Alerts the notifier failed to deliver, tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const alertsFailed: Metric.Metric.Counter<number> = Internal.alertsFailed

/**
 * How many signatures the memory limiter remembers (the latest limiter to change).
 *
 * @since 0.1.0
 * @category metrics
 */
export const limiterEntries: Metric.Metric.Gauge<number> = Internal.limiterEntries

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
export const retriesRefused: Metric.Metric.Counter<number> = Internal.retriesRefused

/**
 * Incidents resolved (a resolved event sent after an alert fired), tagged `operation`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const incidentsResolved: Metric.Metric.Counter<number> = Internal.incidentsResolved

/**
 * Alert events a notifier dropped without trying to deliver them: its queue was full, or it was
 * shutting down. Tagged `operation`. Each drop is also logged (once a minute, with the count).
 *
 * @since 0.3.0
 * @category metrics
 */
export const alertsDropped: Metric.Metric.Counter<number> = Internal.alertsDropped

/**
 * Open incidents forgotten because the incident store reached its `maxEntries`: the least recently
 * active one goes, and will send no resolved event. Tagged `operation`; each is also logged.
 *
 * @since 0.3.0
 * @category metrics
 */
export const incidentsEvicted: Metric.Metric.Counter<number> = Internal.incidentsEvicted

/**
 * The state of each circuit of a `CircuitBreaker`, tagged `key`: 0 closed, 1 half-open, 2 open,
 * 3 isolated. Set at each transition.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { Metrics } from "effect-retry-alerts"
 *
 * const paymentsCircuit = Metric.value(Metrics.circuitState.pipe(Metric.tagged("key", "payments")))
 * ```
 *
 * @since 0.3.0
 * @category metrics
 */
export const circuitState: Metric.Metric.Gauge<number> = CircuitTelemetry.circuitState

/**
 * Circuit transitions, tagged `key` and `to` (the state entered), those this process made and
 * those it followed from another replica.
 *
 * @since 0.3.0
 * @category metrics
 */
export const circuitTransitions: Metric.Metric.Counter<number> = CircuitTelemetry.circuitTransitions

/**
 * Calls a circuit rejected without running them (open, isolated, or half-open with its probes
 * taken), tagged `key`. Retries a retry budget refused are counted apart, by {@link retriesRefused}.
 *
 * @since 0.3.0
 * @category metrics
 */
export const circuitRejected: Metric.Metric.Counter<number> = CircuitTelemetry.callsRejected

/**
 * The most distinct operation names that get their own `operation` label, per process: 1,000.
 * Each name keeps its label for good; a new name past the bound is counted under
 * {@link OTHER_OPERATION}, and the first one logs a warning (once per process). Give operations
 * stable names (`"getUser"`, not `"getUser 42"`): an id belongs in `context`, which no metric
 * carries.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { Metrics } from "effect-retry-alerts"
 *
 * // The retries of every operation named past the bound, together.
 * const overflowRetries = Metric.value(Metrics.retries.pipe(Metric.tagged("operation", Metrics.OTHER_OPERATION)))
 * console.log(Metrics.MAX_OPERATIONS) // 1000
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const MAX_OPERATIONS: number = Internal.MAX_OPERATIONS

/**
 * The `operation` label shared by every operation name past {@link MAX_OPERATIONS}: `"_other"`.
 *
 * @since 0.3.0
 * @category constants
 */
export const OTHER_OPERATION: string = Internal.OTHER_OPERATION
