import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { Notifier, NotifierTest } from "../src/index.js"

describe("NotifierTest.layer", () => {
  it.effect("records delivered alerts and every attempt, and fails or dies on demand", () =>
    Effect.gen(function* () {
      yield* Notifier.alert("one", "ops")
      const failure = new Notifier.NotifierError({ message: "webhook gone" })
      yield* NotifierTest.setFailure(Cause.fail(failure))
      expect(yield* Effect.exit(Notifier.alert("two"))).toEqual(Exit.fail(failure))
      yield* NotifierTest.setFailure(Cause.die("boom"))
      expect(yield* Effect.exit(Notifier.alert("three"))).toEqual(Exit.die("boom"))
      yield* NotifierTest.setFailure(undefined)
      yield* Notifier.alert("four")
      expect((yield* NotifierTest.sent).map((alert) => alert.message)).toEqual(["one", "four"])
      expect((yield* NotifierTest.attempts).map((alert) => alert.message)).toEqual([
        "one",
        "two",
        "three",
        "four"
      ])
      expect((yield* NotifierTest.sent)[0]!.channel).toBe("ops")
    }).pipe(Effect.provide(NotifierTest.layer))
  )

  it.effect("gives each build its own records", () =>
    Effect.gen(function* () {
      yield* Effect.provide(Notifier.alert("one"), NotifierTest.layer)
      const sent = yield* Effect.provide(NotifierTest.sent, NotifierTest.layer)
      expect(sent).toEqual([])
    })
  )
})
