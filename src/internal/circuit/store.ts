/**
 * Where circuits are shared: the store contract (conditional writes of a circuit's record, and the
 * half-open probe leases), and the memory store, whose circuits one process shares. The Redis
 * store, shared by every replica, is in `redis/circuitBreaker.ts`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type CircuitRecord, CLOSED } from "../circuitBreaker.js"

/** The outcome of a conditional write: the record after it, and whether it is the one written. */
export interface Written {
  readonly written: boolean
  readonly record: CircuitRecord
}

/** A circuit store. */
export interface CircuitStore {
  /**
   * Writes `next` as `key`'s record unless the stored one is newer than generation `expected`
   * (another writer won); otherwise leaves it. Either way, returns the stored record after.
   */
  readonly compareAndSet: (key: string, expected: number, next: CircuitRecord) => Effect.Effect<Written>
  /**
   * Takes one of the `max` probe leases of `key` while its record is half-open at `generation`:
   * `true` when taken. Across every process sharing the store, at most `max` are taken at once.
   */
  readonly acquireProbe: (key: string, generation: number, max: number) => Effect.Effect<boolean>
  /**
   * Gives back a lease taken at `generation` (a later generation's leases are left alone), a
   * success of its probe counted when `succeeded`. Returns the successes counted at `generation`.
   */
  readonly releaseProbe: (key: string, generation: number, succeeded: boolean) => Effect.Effect<number>
  /** The stored record of `key` as this process knows it now, if known; no I/O. */
  readonly known: (key: string) => CircuitRecord | undefined
  /**
   * Started with the breaker, in its scope: calls `follow` with each record another process wrote
   * (a shared store polls for them). The memory store has no other process.
   */
  readonly watch?:
    | ((follow: (key: string, record: CircuitRecord) => void) => Effect.Effect<void, never, Scope.Scope>)
    | undefined
}

interface Slot {
  record: CircuitRecord
  probes: number
  successes: number
}

/**
 * The memory store: a map of records and probe counts, changed only by synchronous code, so each
 * change is atomic. Bounded by `maxKeys`, the least recently written first out.
 */
export const makeMemoryStore = (
  maxKeys: number
): CircuitStore & {
  /** Takes `record` as `key`'s when it is newer: a shared store's local mirror follows Redis. */
  readonly follow: (key: string, record: CircuitRecord) => Effect.Effect<void>
} => {
  const slots = new Map<string, Slot>()
  const slotOf = (key: string): Slot => {
    let slot = slots.get(key)
    if (slot === undefined) {
      slot = { record: CLOSED, probes: 0, successes: 0 }
      slots.set(key, slot)
      if (slots.size > maxKeys) slots.delete(slots.keys().next().value!)
    }
    return slot
  }
  return {
    compareAndSet: (key, expected, next) =>
      Effect.sync(() => {
        const slot = slotOf(key)
        // A newer record was written since `expected` was seen: another writer won.
        if (slot.record.generation > expected) return { written: false, record: slot.record }
        slot.record = next
        slot.probes = 0
        slot.successes = 0
        // The least recently written first out.
        slots.delete(key)
        slots.set(key, slot)
        return { written: true, record: next }
      }),
    acquireProbe: (key, generation, max) =>
      Effect.sync(() => {
        const slot = slotOf(key)
        if (slot.record.state !== "half-open" || slot.record.generation !== generation) return false
        if (slot.probes >= max) return false
        slot.probes++
        return true
      }),
    releaseProbe: (key, generation, succeeded) =>
      Effect.sync(() => {
        const slot = slots.get(key)
        if (slot === undefined || slot.record.generation !== generation) return 0
        if (slot.probes > 0) slot.probes--
        if (succeeded) slot.successes++
        return slot.successes
      }),
    known: (key) => slots.get(key)?.record,
    follow: (key, record) =>
      Effect.sync(() => {
        const slot = slotOf(key)
        if (record.generation <= slot.record.generation) return
        slot.record = record
        slot.probes = 0
        slot.successes = 0
      })
  }
}
