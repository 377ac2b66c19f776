/**
 * The behaviour every `Incidents` store must have, run against each of them (memory, Redis): the
 * same cases give the same answers whatever keeps the incidents.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { dedupKey } from "../src/internal/incidentKey.js"
import { Incidents, type IncidentsService, type Opening } from "../src/internal/incidents.js"
import { captureLogs } from "./support/logs.js"

/** Builds a fresh store (fresh state) for one test. */
export type MakeIncidentsLayer = (options: IncidentsLayerOptions) => Layer.Layer<Incidents>

export interface IncidentsLayerOptions {
  readonly maxEntries?: number
}

/** An opening of `operation` in `context` for the error message `message`, as the alert path makes it. */
export const opening = (
  message: string,
  { operation = "charge", context = "billing", startedAt = 0 } = {}
): Opening => ({
  signature: `${context}:${operation}:Error:${message}`,
  operation,
  context,
  severity: "critical",
  startedAt,
  channel: undefined
})

/** Warnings of a Redis store that fell back to memory: a test with one would prove nothing about Redis. */
const FALLBACK = /^(Incidents|AlertLimiter)\(redis\)/

export const incidentsSuite = (name: string, makeLayer: MakeIncidentsLayer): void => {
  /** Runs `body` with a fresh store; fails if the store fell back to memory. */
  const withStore = <A, E>(
    body: (store: IncidentsService, logs: ReturnType<typeof captureLogs>) => Effect.Effect<A, E>,
    options: IncidentsLayerOptions = {}
  ) => {
    const logs = captureLogs()
    return Effect.scoped(
      Effect.gen(function* () {
        const context = yield* Layer.build(makeLayer(options))
        const result = yield* body(Context.get(context, Incidents), logs)
        expect(logs.lines.filter((line) => line.level === "WARN" && FALLBACK.test(line.message))).toEqual([])
        return result
      })
    ).pipe(Effect.provide(logs.layer))
  }

  describe(`Incidents behaviour: ${name}`, () => {
    it.effect("opens an incident: redacted signature, dedupKey from the raw one, times, no counts", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const raw = opening("connect failed: postgres://app:Hunter2-Pa55w0rd@db.internal:5432/orders", {
            startedAt: 400
          })
          const incident = yield* store.open(raw, 1_000)
          expect(incident).toEqual({
            operation: "charge",
            context: "billing",
            signature: expect.any(String),
            severity: "critical",
            channel: undefined,
            dedupKey: dedupKey("charge", "billing", raw.signature),
            startedAt: 400,
            firedAt: 1_000,
            failures: 0,
            suppressed: 0
          })
          expect(incident.signature).toContain("billing:charge:Error:connect failed")
          expect(incident.signature).not.toContain("Hunter2-Pa55w0rd")
          expect(store.isOpen("billing", "charge")).toBe(true)
          expect(store.isOpen("billing", "refund")).toBe(false)
          expect(store.isOpen("shipping", "charge")).toBe(false)
          expect(yield* store.count).toBe(1)
          expect(yield* store.list).toEqual([incident])
        })
      )
    )

    it.effect("a start later than the firing counts from the firing", () =>
      withStore((store) =>
        Effect.map(store.open(opening("HTTP 500", { startedAt: 5_000 }), 2_000), (incident) =>
          expect([incident.startedAt, incident.firedAt]).toEqual([2_000, 2_000])
        )
      )
    )

    it.effect("a re-fire finds the incident open: same times, same key, one incident", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const first = yield* store.open(opening("HTTP 500"), 1_000)
          const again = yield* store.open(opening("HTTP 500", { startedAt: 300_000 }), 301_000)
          expect(again).toEqual(first)
          expect(yield* store.count).toBe(1)
        })
      )
    )

    it.effect("counts suppressed alerts against their own incident only, and ignores unknown ones", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.noteSuppressed(opening("HTTP 500"))
          expect(yield* store.count).toBe(0)
          expect(store.isOpen("billing", "charge")).toBe(false)
          yield* store.open(opening("HTTP 500"), 0)
          yield* store.open(opening("HTTP 502"), 0)
          yield* store.noteSuppressed(opening("HTTP 500"))
          yield* store.noteSuppressed(opening("HTTP 500"))
          yield* store.noteSuppressed(opening("HTTP 503"))
          const counts = (yield* store.list).map((incident) => incident.suppressed)
          expect(counts.sort()).toEqual([0, 2])
        })
      )
    )

    it.effect("counts failures against every open incident of the operation, and only those", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.noteFailure("billing", "charge")
          yield* store.open(opening("HTTP 500"), 0)
          yield* store.open(opening("HTTP 502"), 0)
          yield* store.open(opening("HTTP 500", { operation: "refund" }), 0)
          yield* store.noteFailure("billing", "charge")
          yield* store.noteFailure("billing", "charge")
          yield* store.noteFailure("shipping", "charge")
          const failures = Object.fromEntries(
            (yield* store.list).map((incident) => [
              `${incident.operation}:${incident.signature}`,
              incident.failures
            ])
          )
          expect(failures).toEqual({
            "charge:billing:charge:Error:HTTP 500": 2,
            "charge:billing:charge:Error:HTTP 502": 2,
            "refund:billing:refund:Error:HTTP 500": 0
          })
        })
      )
    )

    it.effect("resolves every incident of the operation once, with its counts; others stay open", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const a = yield* store.open(opening("HTTP 500"), 0)
          const b = yield* store.open(opening("HTTP 502"), 10)
          yield* store.open(opening("HTTP 500", { operation: "refund" }), 20)
          yield* store.noteFailure("billing", "charge")
          yield* store.noteSuppressed(opening("HTTP 502"))
          const resolved = yield* store.resolve("billing", "charge")
          expect([...resolved].sort((x, y) => x.firedAt - y.firedAt)).toEqual([
            { ...a, failures: 1 },
            { ...b, failures: 1, suppressed: 1 }
          ])
          expect(yield* store.resolve("billing", "charge")).toEqual([])
          expect(store.isOpen("billing", "charge")).toBe(false)
          expect(store.isOpen("billing", "refund")).toBe(true)
          expect(yield* store.count).toBe(1)
          expect(yield* store.resolve("billing", "nothing-open")).toEqual([])
        })
      )
    )

    it.effect("of 50 concurrent resolves of one operation, one gets its incidents", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.open(opening("HTTP 500"), 0)
          yield* store.open(opening("HTTP 502"), 0)
          const results = yield* Effect.all(
            Array.from({ length: 50 }, () => store.resolve("billing", "charge")),
            { concurrency: "unbounded" }
          )
          expect(results.map((resolved) => resolved.length).sort((x, y) => y - x)).toEqual([
            2,
            ...Array(49).fill(0)
          ])
        })
      )
    )

    it.effect("an incident opened again after it resolved is a new incident", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.open(opening("HTTP 500"), 0)
          yield* store.noteFailure("billing", "charge")
          yield* store.resolve("billing", "charge")
          const again = yield* store.open(opening("HTTP 500", { startedAt: 60_000 }), 60_000)
          expect([again.startedAt, again.firedAt, again.failures]).toEqual([60_000, 60_000, 0])
          expect(yield* store.resolve("billing", "charge")).toEqual([again])
        })
      )
    )

    it.effect("lists least recently active first (firing, failure, suppressed alert)", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.open(opening("a", { operation: "a" }), 0)
          yield* store.open(opening("b", { operation: "b" }), 0)
          yield* store.open(opening("c", { operation: "c" }), 0)
          const order = Effect.map(store.list, (list) => list.map((incident) => incident.operation))
          expect(yield* order).toEqual(["a", "b", "c"])
          yield* store.noteFailure("billing", "a")
          expect(yield* order).toEqual(["b", "c", "a"])
          yield* store.noteSuppressed(opening("b", { operation: "b" }))
          expect(yield* order).toEqual(["c", "a", "b"])
          yield* store.open(opening("c", { operation: "c" }), 1_000)
          expect(yield* order).toEqual(["a", "b", "c"])
        })
      )
    )

    it.effect(
      "maxEntries 3, 4 incidents of one operation: the oldest is evicted (logged), the new one kept",
      () =>
        withStore(
          (store, logs) =>
            Effect.gen(function* () {
              for (const [i, message] of ["HTTP 500", "HTTP 501", "HTTP 502", "HTTP 503"].entries()) {
                yield* store.open(opening(message), i)
              }
              expect(yield* store.count).toBe(3)
              expect((yield* store.list).map((incident) => incident.firedAt)).toEqual([1, 2, 3])
              const evicted = logs.lines.filter(
                (line) => line.level === "WARN" && line.message.includes("forgotten")
              )
              expect(evicted).toHaveLength(1)
              expect(evicted[0]!.message).toContain(
                dedupKey("charge", "billing", opening("HTTP 500").signature)
              )
              const resolved = yield* store.resolve("billing", "charge")
              expect(resolved.map((incident) => incident.firedAt).sort()).toEqual([1, 2, 3])
            }),
          { maxEntries: 3 }
        )
    )

    it.effect("evicts the least recently active, never the one just opened", () =>
      withStore(
        (store) =>
          Effect.gen(function* () {
            yield* store.open(opening("a", { operation: "a" }), 0)
            yield* store.open(opening("b", { operation: "b" }), 1)
            yield* store.open(opening("c", { operation: "c" }), 2)
            yield* store.noteFailure("billing", "a")
            yield* store.open(opening("d", { operation: "d" }), 3)
            expect((yield* store.list).map((incident) => incident.operation)).toEqual(["c", "a", "d"])
            expect(store.isOpen("billing", "b")).toBe(false)
            expect(yield* store.resolve("billing", "b")).toEqual([])
          }),
        { maxEntries: 3 }
      )
    )

    it.effect("reset forgets every incident: none resolves", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.open(opening("HTTP 500"), 0)
          yield* store.open(opening("HTTP 500", { operation: "refund" }), 0)
          yield* store.reset
          expect(yield* store.count).toBe(0)
          expect(yield* store.list).toEqual([])
          expect(store.isOpen("billing", "charge")).toBe(false)
          expect(yield* store.resolve("billing", "charge")).toEqual([])
          const again = yield* store.open(opening("HTTP 500"), 5)
          expect(again.firedAt).toBe(5)
        })
      )
    )
  })
}
