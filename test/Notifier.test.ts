import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
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
