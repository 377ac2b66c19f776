import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Layer, Metric, Scope } from "effect"
import { type Alert, Metrics, Notifier } from "../src/index.js"
import { firing, resolved } from "./support/events.js"
import { captureLogs } from "./support/logs.js"

describe("Notifier.layerLog()", () => {
  it.effect("writes firing events at error level, resolved ones at info, with their incident key", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      yield* Notifier.notify(firing({ text: "database down", channel: "ops", dedupKey: "db/query/1" }))
      yield* Notifier.notify(resolved({ text: "RESOLVED: database back", dedupKey: "db/query/1" }))
      expect(
        logs.lines.map((line) => [
          line.level,
          line.message,
          line.annotations.alert,
          line.annotations.dedupKey,
          line.annotations.channel
        ])
      ).toEqual([
        ["ERROR", "database down", "firing", "db/query/1", "ops"],
        ["INFO", "RESOLVED: database back", "resolved", "db/query/1", "default"]
      ])
    }).pipe(Effect.provide(Layer.merge(Notifier.layerLog(), logs.layer)))
  })
})

describe("Notifier.make and Notifier.fromText", () => {
  it.effect("make delivers the event itself; fromText the text and the channel", () =>
    Effect.gen(function* () {
      const events: Array<Alert.AlertEvent> = []
      const texts: Array<[string, string | undefined]> = []
      const own = Notifier.fromNotify((event) => Effect.sync(() => void events.push(event)))
      const textOnly = Notifier.fromText((text, channel) =>
        Effect.sync(() => void texts.push([text, channel]))
      )
      const event = firing({ text: "charge is failing\n\ndetails", channel: "billing" })
      yield* own.notify(event)
      yield* textOnly.notify(event)
      yield* textOnly.notify(resolved({ text: "RESOLVED: charge recovered after 3m" }))
      expect(events).toEqual([event])
      expect(texts).toEqual([
        ["charge is failing\n\ndetails", "billing"],
        ["RESOLVED: charge recovered after 3m", undefined]
      ])
    })
  )
})

describe("Notifier.layer", () => {
  it.effect(
    "puts a notifier of one's own behind a queue: notify hands over at once, a failure is logged and counted, the release drains",
    () =>
      Effect.gen(function* () {
        const logs = captureLogs()
        const open = yield* Deferred.make<void>()
        const delivered: Array<string> = []
        const own = Notifier.fromNotify((event) =>
          event.text === "refused"
            ? Effect.fail(new Notifier.NotifierError({ message: "pager refused it" }))
            : Effect.zipRight(
                Deferred.await(open),
                Effect.sync(() => void delivered.push(event.text))
              )
        )
        const failedBefore = (yield* Metric.value(Metric.tagged(Metrics.alertsFailed, "operation", "page")))
          .count
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(Notifier.layer(own, { concurrency: 1 }), scope)
        const notifier = Context.get(context, Notifier.Notifier)

        // The destination is blocked: each notify returns at once all the same.
        const handOver = (text: string) =>
          Effect.exit(notifier.notify(firing({ operation: "page", text }))).pipe(Effect.provide(logs.layer))
        expect(yield* handOver("first")).toEqual(Exit.void)
        expect(yield* handOver("refused")).toEqual(Exit.void)
        expect(yield* handOver("last")).toEqual(Exit.void)
        expect(delivered).toEqual([])

        yield* Deferred.succeed(open, undefined)
        // Releasing the layer waits for what was handed over (the TestClock stands still).
        yield* Scope.close(scope, Exit.void)
        expect(delivered).toEqual(["first", "last"])
        expect(logs.lines.map((line) => [line.level, line.message])).toEqual([
          ["ERROR", "Alert could not be delivered: refused"]
        ])
        expect(logs.lines[0]?.cause).toContain("pager refused it")
        expect((yield* Metric.value(Metric.tagged(Metrics.alertsFailed, "operation", "page"))).count).toBe(
          failedBefore + 1
        )
      })
  )

  it.scoped("takes an effect that builds the notifier, in the layer's scope", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      let released = false
      const built = Effect.acquireRelease(
        Effect.succeed(Notifier.fromNotify((event) => Effect.sync(() => void events.push(event.text)))),
        () =>
          Effect.sync(() => {
            released = true
          })
      )
      yield* Notifier.notify(firing({ text: "hello" })).pipe(Effect.provide(Notifier.layer(built)))
      expect(events).toEqual(["hello"])
      expect(released).toBe(true)
    })
  )
})
