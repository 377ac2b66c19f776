import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer } from "effect"
import { Notifier } from "../src/index.js"
import { captureLogs } from "./support/logs.js"

describe("Notifier.layerLog", () => {
  it.effect("writes each alert at error level, annotated with its channel", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      yield* Notifier.alert("database down", "ops")
      yield* Notifier.alert("queue down")
      expect(logs.lines.map((line) => [line.level, line.message, line.annotations.channel])).toEqual([
        ["ERROR", "database down", "ops"],
        ["ERROR", "queue down", "default"]
      ])
    }).pipe(Effect.provide(Layer.merge(Notifier.layerLog, logs.layer)))
  })
})

describe("Notifier.layerTest", () => {
  it.effect("records delivered alerts and every attempt, and fails or dies on demand", () =>
    Effect.gen(function* () {
      yield* Notifier.alert("one", "ops")
      const failure = new Notifier.NotifierError({ message: "webhook gone" })
      yield* Notifier.setFailure(Cause.fail(failure))
      expect(yield* Effect.exit(Notifier.alert("two"))).toEqual(Exit.fail(failure))
      yield* Notifier.setFailure(Cause.die("boom"))
      expect(yield* Effect.exit(Notifier.alert("three"))).toEqual(Exit.die("boom"))
      yield* Notifier.setFailure(undefined)
      yield* Notifier.alert("four")
      expect((yield* Notifier.sent).map((alert) => alert.message)).toEqual(["one", "four"])
      expect((yield* Notifier.attempts).map((alert) => alert.message)).toEqual([
        "one",
        "two",
        "three",
        "four"
      ])
      expect((yield* Notifier.sent)[0]!.channel).toBe("ops")
    }).pipe(Effect.provide(Notifier.layerTest))
  )

  it.effect("gives each build its own records", () =>
    Effect.gen(function* () {
      yield* Effect.provide(Notifier.alert("one"), Notifier.layerTest)
      const sent = yield* Effect.provide(Notifier.sent, Notifier.layerTest)
      expect(sent).toEqual([])
    })
  )
})
