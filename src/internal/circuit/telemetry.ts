/**
 * What a circuit tells the outside: its metrics, the span event of each transition, and the
 * incident of an opening (fired, then resolved when it closes) through the alert path that retries
 * use.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Alert from "../alert.js"
import { AlertLimiter } from "../alertLimiter.js"
import type { CircuitRecord, Mode, State, Transition } from "../circuitBreaker.js"
import { Incidents } from "../incidents.js"
import { Notifier } from "../notifier.js"

export const circuitState = /*#__PURE__*/ Metric.gauge("effect_retry_alerts_circuit_state", {
  description: "Circuit state by key: 0 closed, 1 half-open, 2 open, 3 isolated"
})

export const circuitTransitions = /*#__PURE__*/ Metric.counter(
  "effect_retry_alerts_circuit_transitions_total",
  {
    description: "Circuit state changes, by key and the state entered",
    incremental: true
  }
)

export const callsRejected = /*#__PURE__*/ Metric.counter("effect_retry_alerts_circuit_rejected_total", {
  description: "Calls rejected by an open circuit (never run), by key",
  incremental: true
})

const STATE_VALUE: Record<State, number> = { closed: 0, "half-open": 1, open: 2, isolated: 3 }

/** The metric labels of one circuit, made once. */
export class Labels {
  readonly key: ReadonlyArray<MetricLabel.MetricLabel>
  private readonly entered = new Map<State, ReadonlyArray<MetricLabel.MetricLabel>>()

  constructor(readonly name: string) {
    this.key = [MetricLabel.make("key", name)]
  }

  /** Counts a transition into `to` and sets the state gauge. */
  transition(to: State): void {
    let labels = this.entered.get(to)
    if (labels === undefined) {
      labels = [...this.key, MetricLabel.make("to", to)]
      this.entered.set(to, labels)
    }
    circuitTransitions.unsafeUpdate(1, labels)
    circuitState.unsafeUpdate(STATE_VALUE[to], this.key)
  }

  rejected(): void {
    callsRejected.unsafeUpdate(1, this.key)
  }
}

/** The operation name of a circuit's incident; its context is the circuit's key. */
export const OPERATION = "circuit breaker"

const iso = (millis: number): string => new Date(millis).toISOString()

/** What a circuit's incident carries as its failure: the same for every opening of a key, so one signature. */
const failureOf = (key: string) => ({ _tag: "CircuitOpen", message: `circuit ${key} opened` })

/** The firing alert of `record`, an opening of circuit `key`. */
const opened = (key: string, record: CircuitRecord, mode: Mode, probes: number): Alert.Firing =>
  mode === "enforce"
    ? {
        name: OPERATION,
        context: key,
        error: failureOf(key),
        severity: "critical",
        title: `Circuit ${key} opened`,
        text: (failingSince) =>
          [
            `🔌 Circuit ${key} opened: ${record.reason}.`,
            "",
            `Calls to ${key} are rejected at once until ${iso(record.until)}; then ${probes === 1 ? "one probe is" : `${probes} probes are`} let through, and ${probes === 1 ? "its success closes" : "their successes close"} the circuit.`,
            `Failing since ${failingSince}.`
          ].join("\n"),
        startedAt: record.since
      }
    : {
        name: OPERATION,
        context: key,
        error: failureOf(key),
        severity: "error",
        title: `Calls to ${key} keep failing`,
        text: (failingSince) =>
          [
            `⚠️ Calls to ${key} keep failing: ${record.reason}.`,
            "",
            `Nothing is rejected (the breaker only alerts); this resolves when the failure rate falls back.`,
            `Failing since ${failingSince}.`
          ].join("\n"),
        startedAt: record.since
      }

const hasAlertServices = (context: Context.Context<never>): boolean =>
  Context.getOption(context, AlertLimiter)._tag === "Some" &&
  Context.getOption(context, Incidents)._tag === "Some" &&
  Context.getOption(context, Notifier)._tag === "Some"

/**
 * What `transition` says beyond the metrics: a span event on the current span, and, when this
 * process made it, the incident: fired when the circuit opens from closed, resolved when it
 * closes. The alert path runs through `fork`, off the caller's path, with the caller's alert
 * services; without them the opening is logged, so nobody is left untold silently.
 */
export const announce = (
  transition: Transition,
  record: CircuitRecord,
  mode: Mode,
  probes: number,
  fork: (effect: Effect.Effect<unknown>) => Effect.Effect<unknown>
): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    const span = fiber.currentSpan
    if (span !== undefined && span._tag === "Span") {
      span.event(`circuit ${transition.to}`, BigInt(Math.round(transition.at * 1_000_000)), {
        "circuit.key": transition.key,
        "circuit.from": transition.from,
        "circuit.to": transition.to
      })
    }
    if (!transition.local) return Effect.void
    const opening = transition.to === "open" && transition.from === "closed"
    const closing = transition.to === "closed"
    if (!opening && !closing) return Effect.void
    const context = fiber.currentContext
    if (!hasAlertServices(context)) {
      return opening
        ? Effect.logWarning(
            `circuit ${transition.key} opened (${record.reason}); no alert limiter, incidents and notifier are provided to the caller, so no incident is opened`
          )
        : Effect.void
    }
    const alert: Effect.Effect<unknown, never, Alert.AlertServices> = opening
      ? Alert.fire(opened(transition.key, record, mode, probes))
      : Alert.resolve(transition.key, OPERATION)
    return Effect.asVoid(fork(Effect.provide(alert, context as Context.Context<Alert.AlertServices>)))
  })
