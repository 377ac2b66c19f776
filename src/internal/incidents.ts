/**
 * Open incidents: the service that remembers which alerts fired and have not resolved, its tag,
 * and its memory store. The Redis store is in `redis/incidents.ts`.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { Incident, IncidentsService, Opening } from "../Incidents.js"
import { dedupKey } from "./incidentKey.js"
import * as Metrics from "./metrics.js"
import * as Options from "./options.js"
import * as Redact from "./redact/redact.js"

/** Default bound on the number of open incidents remembered. */
export const DEFAULT_MAX_ENTRIES = 10_000

// The service's types are the public module's (where the API reference documents them), here for
// the internal modules that import them from this one.
export type { Incident, IncidentsService, Opening }

/** The incident store's tag. */
export class Incidents extends /*#__PURE__*/ Context.Tag("effect-retry-alerts/Incidents")<
  Incidents,
  IncidentsService
>() {}

/** The options of the memory store. */
export interface MemoryOptions {
  /** Open incidents remembered; past it the least recently active is forgotten (logged). */
  readonly maxEntries?: number | undefined
}

/** Validates `maxEntries`, throwing `InvalidOptionError` naming it. */
export const maxEntriesOf = (options: MemoryOptions): number =>
  Options.wholeNumber("maxEntries", options.maxEntries ?? DEFAULT_MAX_ENTRIES, 1, Number.MAX_SAFE_INTEGER)

/** One open incident, as the memory store keeps it (its counts change in place). */
export interface Entry {
  /** Its key among its operation's incidents: the raw signature, or a hash of it. */
  readonly key: string
  readonly incident: Omit<Incident, "failures" | "suppressed">
  failures: number
  suppressed: number
}

const snapshot = (entry: Entry): Incident => ({
  ...entry.incident,
  failures: entry.failures,
  suppressed: entry.suppressed
})

/** The incident a fired `opening` opens at `now`: its key hashed from the raw signature, which is then dropped. */
export const incidentOf = (opening: Opening, now: number): Omit<Incident, "failures" | "suppressed"> => ({
  operation: opening.operation,
  context: opening.context,
  signature: Redact.redact(opening.signature),
  severity: opening.severity,
  channel: opening.channel,
  dedupKey: dedupKey(opening.operation, opening.context, opening.signature),
  startedAt: Math.min(opening.startedAt, now),
  firedAt: now
})

/**
 * The open incidents of one process, by context, operation and signature, plus their order of
 * last activity (a `Set` iterates in insertion order: delete and add moves one to the end).
 * Bounded: past `maxEntries` the least recently active incident is evicted, never the one being
 * opened. Plain data changed only inside `Ref.modify`, so every change is atomic.
 */
export class Table {
  private readonly byContext = new Map<string, Map<string, Map<string, Entry>>>()
  private readonly activity = new Set<Entry>()

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.activity.size
  }

  private touch(entry: Entry): void {
    this.activity.delete(entry)
    this.activity.add(entry)
  }

  private remove(entry: Entry): void {
    this.activity.delete(entry)
    const operations = this.byContext.get(entry.incident.context)
    const incidents = operations?.get(entry.incident.operation)
    if (incidents === undefined) return
    if (incidents.get(entry.key) === entry) incidents.delete(entry.key)
    if (incidents.size === 0) operations!.delete(entry.incident.operation)
    if (operations!.size === 0) this.byContext.delete(entry.incident.context)
  }

  private find(context: string, operation: string, signature: string): Entry | undefined {
    return this.activity.size === 0 ? undefined : this.byContext.get(context)?.get(operation)?.get(signature)
  }

  /** Opens the incident of `opening` (or finds it open); returns it and the incidents evicted to make room. */
  open(
    opening: Opening,
    now: number
  ): { readonly incident: Incident; readonly evicted: ReadonlyArray<Incident> } {
    const found = this.find(opening.context, opening.operation, opening.signature)
    if (found !== undefined) {
      this.touch(found)
      return { incident: snapshot(found), evicted: [] }
    }
    return this.insert({
      key: opening.signature,
      incident: incidentOf(opening, now),
      failures: 0,
      suppressed: 0
    })
  }

  /** Adds an incident (or replaces the one with the same key). */
  insert(entry: Entry): { readonly incident: Incident; readonly evicted: ReadonlyArray<Incident> } {
    const { key } = entry
    const { context, operation } = entry.incident
    let operations = this.byContext.get(context)
    if (operations === undefined) {
      operations = new Map()
      this.byContext.set(context, operations)
    }
    let incidents = operations.get(operation)
    if (incidents === undefined) {
      incidents = new Map()
      operations.set(operation, incidents)
    }
    const previous = incidents.get(key)
    if (previous !== undefined) this.activity.delete(previous)
    incidents.set(key, entry)
    this.activity.add(entry)
    const evicted: Array<Incident> = []
    while (this.activity.size > this.maxEntries) {
      const oldest = this.activity.values().next().value!
      this.remove(oldest)
      evicted.push(snapshot(oldest))
    }
    return { incident: snapshot(entry), evicted }
  }

  noteSuppressed(opening: Opening): void {
    const entry = this.find(opening.context, opening.operation, opening.signature)
    if (entry === undefined) return
    entry.suppressed++
    this.touch(entry)
  }

  noteFailure(context: string, operation: string): void {
    if (this.activity.size === 0) return
    const incidents = this.byContext.get(context)?.get(operation)
    if (incidents === undefined) return
    for (const entry of incidents.values()) {
      entry.failures++
      this.touch(entry)
    }
  }

  isOpen(context: string, operation: string): boolean {
    return this.activity.size > 0 && this.byContext.get(context)?.has(operation) === true
  }

  /** Takes the open incidents of `operation` in `context`. */
  resolve(context: string, operation: string): ReadonlyArray<Incident> {
    if (this.activity.size === 0) return []
    const operations = this.byContext.get(context)
    const incidents = operations?.get(operation)
    if (incidents === undefined) return []
    operations!.delete(operation)
    if (operations!.size === 0) this.byContext.delete(context)
    const taken: Array<Incident> = []
    for (const entry of incidents.values()) {
      this.activity.delete(entry)
      taken.push(snapshot(entry))
    }
    return taken
  }

  /** The open entry with `key` among the incidents of `operation` in `context` (no change to its activity). */
  get(context: string, operation: string, key: string): Entry | undefined {
    return this.find(context, operation, key)
  }

  /** Removes the open entry with `key` among the incidents of `operation` in `context`; returns it. */
  delete(context: string, operation: string, key: string): Entry | undefined {
    const entry = this.find(context, operation, key)
    if (entry !== undefined) this.remove(entry)
    return entry
  }

  list(): ReadonlyArray<Incident> {
    return Array.from(this.activity, snapshot)
  }

  clear(): void {
    this.byContext.clear()
    this.activity.clear()
  }
}

/** Logs and counts incidents evicted at the store's bound: they will send no resolved event. */
export const reportEvicted = (evicted: ReadonlyArray<Incident>, maxEntries: number): Effect.Effect<void> =>
  evicted.length === 0
    ? Effect.void
    : Effect.forEach(
        evicted,
        (incident) =>
          Effect.logWarning(
            `Incident ${incident.dedupKey} forgotten: more than ${maxEntries} incidents open (maxEntries); it will send no resolved event`
          ).pipe(
            Effect.annotateLogs({ alert: incident.operation, dedupKey: incident.dedupKey }),
            Effect.zipRight(Metrics.countOperation(Metrics.incidentsEvicted, incident.operation))
          ),
        { discard: true }
      )

/** Changes the table in place, inside `Ref.modify`: atomic with respect to every other change. */
const change = (ref: Ref.Ref<Table>, f: (table: Table) => void): Effect.Effect<void> =>
  Ref.modify(ref, (table) => {
    f(table)
    return [undefined, table]
  })

/** The memory store: a {@link Table} in a `Ref`, made when the effect runs. */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<IncidentsService> => {
  const maxEntries = maxEntriesOf(options)
  return Effect.suspend(() => {
    // `isOpen` runs on every success: it reads the table without an effect. The `Ref` holds this
    // same table for the store's life; every change goes through `Ref.modify`.
    const table = new Table(maxEntries)
    return Effect.map(
      Ref.make(table),
      (ref) =>
        ({
          open: (opening, now) =>
            Effect.flatMap(
              Ref.modify(ref, (t) => [t.open(opening, now), t]),
              ({ incident, evicted }) => Effect.as(reportEvicted(evicted, maxEntries), incident)
            ),
          noteSuppressed: (opening) => change(ref, (t) => t.noteSuppressed(opening)),
          noteFailure: (context, operation) => change(ref, (t) => t.noteFailure(context, operation)),
          isOpen: (context, operation) => table.isOpen(context, operation),
          resolve: (context, operation) => Ref.modify(ref, (t) => [t.resolve(context, operation), t]),
          list: Effect.map(Ref.get(ref), (t) => t.list()),
          count: Effect.map(Ref.get(ref), (t) => t.size),
          reset: change(ref, (t) => t.clear())
        }) satisfies IncidentsService
    )
  })
}
