/**
 * Open incidents: which alerts fired and have not resolved yet. An alert that fires opens an
 * incident; the first success of its operation resolves it, once, with the same `dedupKey`. The
 * alert path keeps this service up to date; read it to show what is open, or provide another
 * store (Redis: `RedisIncidents` in `effect-retry-alerts/redis`).
 *
 * `AlertLimiter.layer()` provides a memory store along with the limiter; {@link layer} provides
 * one alone.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Internal from "./internal/incidents.js"
import { Incidents, type IncidentsService } from "./internal/incidents.js"

export {
  /**
   * An open incident: an alert that fired and has not resolved yet.
   *
   * - `operation`, `context`, `severity`, `channel`: those of the alert that opened it.
   * - `signature`: the limiter's signature, scrubbed of secrets.
   * - `dedupKey`: the same in its firing and resolved events, in every process.
   * - `startedAt`: Clock millis of the first failure (or firing); `firedAt`: of its first firing.
   * - `failures`, `suppressed`: failed attempts and suppressed alerts counted since it fired.
   *
   * @since 0.3.0
   * @category models
   */
  type Incident,
  /**
   * The service's tag.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { AlertLimiter, Incidents } from "effect-retry-alerts"
   *
   * const program = Effect.gen(function* () {
   *   const incidents = yield* Incidents.Incidents
   *   return incidents.isOpen("billing", "charge")
   * }).pipe(Effect.provide(AlertLimiter.layer()))
   * ```
   *
   * @since 0.3.0
   * @category tags
   */
  Incidents,
  /**
   * The incident store. Implementations make each change atomically.
   *
   * - `open(opening, now)`: an alert fired; opens its incident, or finds it open (a re-fire).
   * - `noteSuppressed(opening)`, `noteFailure(context, operation)`: count against open incidents.
   * - `isOpen(context, operation)`: whether one is open, as this process knows now; no I/O, since
   *   every successful call asks it.
   * - `resolve(context, operation)`: closes the operation's incidents and returns them, each to
   *   one caller only (concurrent successes make one resolve).
   * - `list`, `count`, `reset`.
   *
   * @since 0.3.0
   * @category models
   */
  type IncidentsService,
  /**
   * What the alert path tells the store when an alert fires or is suppressed. `signature` is the
   * raw one: a store hashes it into keys and never shows or stores it.
   *
   * @since 0.3.0
   * @category models
   */
  type Opening
} from "./internal/incidents.js"

/**
 * Default bound on the number of open incidents a memory store remembers: 10,000.
 *
 * @example
 * ```ts
 * import { Incidents } from "effect-retry-alerts"
 *
 * const bound: number = Incidents.DEFAULT_MAX_ENTRIES // 10000
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_MAX_ENTRIES: number = Internal.DEFAULT_MAX_ENTRIES

/**
 * Options of {@link make} and {@link layer}.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /**
   * Most open incidents remembered. Past it the least recently active one (the one whose last
   * firing, failure or suppressed alert is oldest) is forgotten, never the one being opened; it
   * is logged and counted in `Metrics.incidentsEvicted`, and will send no resolved event.
   * Default {@link DEFAULT_MAX_ENTRIES}.
   */
  readonly maxEntries?: number | undefined
}

/**
 * Builds a memory store: a table held in a `Ref` created here, so each build has its own state.
 * Throws `InvalidOptionError` when `maxEntries` is not a whole number >= 1.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Incidents } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   const incidents = yield* Incidents.make({ maxEntries: 100 })
 *   return yield* incidents.count // 0
 * })
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<IncidentsService> => Internal.makeMemory(options)

/**
 * A memory store as a layer. See {@link make}.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { AlertLimiter, Incidents } from "effect-retry-alerts"
 *
 * // A limiter of your own making beside a memory store of at most 1,000 open incidents.
 * const limiter = Layer.effect(AlertLimiter.AlertLimiter, AlertLimiter.make({ window: "10 minutes" }))
 * const alerting = Layer.merge(limiter, Incidents.layer({ maxEntries: 1000 }))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Incidents> => Layer.effect(Incidents, make(options))

/**
 * The open incidents, least recently active first.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter, Incidents } from "effect-retry-alerts"
 *
 * const keys = Incidents.list.pipe(
 *   Effect.map((open) => open.map((incident) => incident.dedupKey)),
 *   Effect.provide(AlertLimiter.layer())
 * )
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const list: Effect.Effect<
  ReadonlyArray<Internal.Incident>,
  never,
  Incidents
> = /*#__PURE__*/ Effect.flatMap(Incidents, (incidents) => incidents.list)

/**
 * How many incidents are open.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter, Incidents } from "effect-retry-alerts"
 *
 * const open = Incidents.count.pipe(Effect.provide(AlertLimiter.layer())) // 0
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const count: Effect.Effect<number, never, Incidents> = /*#__PURE__*/ Effect.flatMap(
  Incidents,
  (incidents) => incidents.count
)

/**
 * Forgets every open incident: none of them will resolve.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Incidents } from "effect-retry-alerts"
 *
 * const cleared = Incidents.reset.pipe(Effect.provide(Incidents.layer()))
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const reset: Effect.Effect<void, never, Incidents> = /*#__PURE__*/ Effect.flatMap(
  Incidents,
  (incidents) => incidents.reset
)

export {
  /**
   * Thrown synchronously when a layer is built with an invalid option; `option` names it.
   *
   * @since 0.3.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
