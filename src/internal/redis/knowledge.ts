/**
 * What one process knows of the open incidents of a Redis store: the incidents of its `Table`
 * (its own firings, and those learned from the others), the record behind each, and the ids of
 * incidents resolved, which a later sync must not bring back. Plain data, changed
 * only in synchronous code, so each change is atomic; the store does the Redis side.
 *
 * @internal
 */
import { type Incident, Table } from "../incidents.js"
import { setNewest } from "../lru.js"
import * as Scripts from "./scripts.js"

/** What this process knows of one incident of its table, besides the table's entry. */
export interface Known {
  /** Its field in its operation's hash (the table's key): the SHA-256 of the raw signature. */
  readonly field: string
  /** Its record's id: tells it from an earlier or later incident of the same signature. */
  readonly id: string
  /** Its record, exactly as Redis stores it. */
  readonly record: string
  /**
   * Whether this process fired it: it then resolves the incident from `record` if Redis lost
   * it, and writes it back at a sync. Otherwise it was learned from another process.
   */
  readonly own: boolean
  /** The sync round during which it was learned (a sync drops learned incidents Redis no longer has). */
  readonly round: number
}

export class Knowledge {
  readonly table: Table
  /** By dedupKey: the key the table's snapshots carry. */
  readonly known = new Map<string, Known>()
  /** Ids of incidents this process resolved, or heard resolved. Bounded: the oldest go first. */
  readonly closed = new Map<string, true>()
  /** The sync round: a sync drops the learned incidents of earlier rounds that Redis no longer has. */
  round = 0
  // A storm suppresses one signature thousands of times: hash it once.
  private lastSignature: string | undefined
  private lastField = ""

  constructor(readonly maxEntries: number) {
    this.table = new Table(maxEntries)
  }

  /** The field of `signature` in its operation's hash: its SHA-256. */
  fieldOf(signature: string): string {
    if (signature !== this.lastSignature) {
      this.lastField = Scripts.incidentField(signature)
      this.lastSignature = signature
    }
    return this.lastField
  }

  /** Forgets what is known of an incident the table no longer holds; `resolved`: never learn it again. */
  close(incident: Omit<Incident, "failures" | "suppressed">, resolved: boolean): void {
    const what = this.known.get(incident.dedupKey)
    this.known.delete(incident.dedupKey)
    if (resolved && what !== undefined) setNewest(this.closed, what.id, true, this.maxEntries)
  }

  /**
   * Adds an incident another process opened, when it is new here (or newer than the one learned
   * for its signature) and there is room: learning never evicts.
   */
  learn(field: string, record: string): void {
    const decoded = Scripts.decodeIncident(record)
    if (decoded === undefined || this.closed.has(decoded.id)) return
    const { incident, id } = decoded
    const entry = this.table.get(incident.context, incident.operation, field)
    if (entry !== undefined) {
      const what = this.known.get(entry.incident.dedupKey)
      if (what === undefined || what.id === id || what.own) return
      // An earlier incident of this signature, resolved without this process hearing of it.
      this.table.delete(incident.context, incident.operation, field)
      this.close(entry.incident, true)
    }
    if (this.table.size >= this.maxEntries) return
    this.table.insert({ key: field, incident, failures: 0, suppressed: 0 })
    this.known.set(incident.dedupKey, { field, id, record, own: false, round: this.round })
  }

  /**
   * Removes the incident of `record` (at `field` of the operation), if the table holds that very
   * incident. `resolved`: it was resolved (else forgotten: kept when this process fired it).
   */
  drop(context: string, operation: string, field: string, record: string, resolved: boolean): void {
    const entry = this.table.get(context, operation, field)
    if (entry === undefined) return
    const what = this.known.get(entry.incident.dedupKey)
    if (what !== undefined && (what.record !== record || (!resolved && what.own))) return
    this.table.delete(context, operation, field)
    // A forgotten incident may come back: the process that fired it may write it again.
    this.close(entry.incident, resolved)
  }

  /** Forgets everything. */
  clear(): void {
    this.table.clear()
    this.known.clear()
    this.closed.clear()
  }
}
