import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { type Alert, Notifier } from "../src/index.js"
import { firing, resolved } from "./support/events.js"
import { captureLogs } from "./support/logs.js"

describe("Notifier.layerLog", () => {
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
    }).pipe(Effect.provide(Layer.merge(Notifier.layerLog, logs.layer)))
  })
})

describe("Notifier.make and Notifier.fromText", () => {
  it.effect("make delivers the event itself; fromText the text and the channel", () =>
    Effect.gen(function* () {
      const events: Array<Alert.AlertEvent> = []
      const texts: Array<[string, string | undefined]> = []
      const own = Notifier.make((event) => Effect.sync(() => void events.push(event)))
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
