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
import type { Severity } from "./Alert.js"
// Named imports, not a namespace: docgen prints the types of constants as the compiler names
// them, and through a namespace import it would name the tag, and the types declared here that the
// internal module re-exports, `Internal.X`.
import {
  Incidents,
  DEFAULT_MAX_ENTRIES as MEMORY_MAX_ENTRIES,
  makeMemory as makeMemoryStore
} from "./internal/incidents.js"

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
export interface Incident {
  /** The operation of the alert that opened it. */
  readonly operation: string
  /** The context of the alert that opened it. */
  readonly context: string
  /** The limiter's signature, scrubbed of secrets: safe to show and to store. */
  readonly signature: string
  /** The severity of the alert that opened it; its resolved event carries it too. */
  readonly severity: Severity
  /** The channel of the alert that opened it, if any. */
  readonly channel: string | undefined
  /**
   * Stable for the incident, in every process (a hash of the raw signature): the same in its
   * firing and resolved events.
   */
  readonly dedupKey: string
  /** Clock millis of the first failure (or firing) of the incident. */
  readonly startedAt: number
  /** Clock millis of its first firing. */
  readonly firedAt: number
  /** Failed attempts of its operation counted since it first fired. */
  readonly failures: number
  /** Identical alerts suppressed since it first fired. */
  readonly suppressed: number
}

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
export interface IncidentsService {
  /** An alert fired: opens its incident, or finds it open (a re-fire). Returns it. */
  readonly open: (opening: Opening, now: number) => Effect.Effect<Incident>
  /** An alert was suppressed: counts it against its open incident, if one is known. */
  readonly noteSuppressed: (opening: Opening) => Effect.Effect<void>
  /** A failed attempt of `operation` in `context`: counts it against its open incidents. */
  readonly noteFailure: (context: string, operation: string) => Effect.Effect<void>
  /**
   * Whether `operation` in `context` has an incident open, as this process knows it now. No I/O:
   * the success path asks it on every call, and resolves only when it answers `true`.
   */
  readonly isOpen: (context: string, operation: string) => boolean
  /** `operation` in `context` succeeded: closes its open incidents and returns them, each to one caller only. */
  readonly resolve: (context: string, operation: string) => Effect.Effect<ReadonlyArray<Incident>>
  /** The open incidents, least recently active first. */
  readonly list: Effect.Effect<ReadonlyArray<Incident>>
  /** How many incidents are open. */
  readonly count: Effect.Effect<number>
  /** Forgets every open incident (none resolves). */
  readonly reset: Effect.Effect<void>
}

/**
 * What the alert path tells the store when an alert fires or is suppressed. `signature` is the
 * raw one: a store hashes it into keys and never shows or stores it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Opening {
  /** The limiter's signature, raw: it is hashed into keys and never shown. */
  readonly signature: string
  /** The operation of the alert. */
  readonly operation: string
  /** The context of the alert. */
  readonly context: string
  /** The severity it fired with: its resolved event carries it too (Alertmanager keys on labels). */
  readonly severity: Severity
  /** Clock millis of the first failure of the loop that fired it, or of the firing. */
  readonly startedAt: number
  /** The channel of the alert, if any. */
  readonly channel: string | undefined
}

export {
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
  Incidents
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
export const DEFAULT_MAX_ENTRIES: number = MEMORY_MAX_ENTRIES

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
export const make = (options: Options = {}): Effect.Effect<IncidentsService> => makeMemoryStore(options)

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
export const list: Effect.Effect<ReadonlyArray<Incident>, never, Incidents> = /*#__PURE__*/ Effect.flatMap(
  Incidents,
  (incidents) => incidents.list
)

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
