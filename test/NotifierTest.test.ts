import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { Notifier, NotifierTest } from "../src/index.js"
import { firing } from "./support/events.js"

describe("NotifierTest.layer", () => {
  it.effect("records delivered events and every attempt, and fails or dies on demand", () =>
    Effect.gen(function* () {
      yield* Notifier.notify(firing({ text: "one", channel: "ops" }))
      const failure = new Notifier.NotifierError({ message: "webhook gone" })
      yield* NotifierTest.setFailure(Cause.fail(failure))
      expect(yield* Effect.exit(Notifier.notify(firing({ text: "two" })))).toEqual(Exit.fail(failure))
      yield* NotifierTest.setFailure(Cause.die("boom"))
      expect(yield* Effect.exit(Notifier.notify(firing({ text: "three" })))).toEqual(Exit.die("boom"))
      yield* NotifierTest.setFailure(undefined)
      yield* Notifier.notify(firing({ text: "four" }))
      expect((yield* NotifierTest.sent).map((event) => event.text)).toEqual(["one", "four"])
      expect((yield* NotifierTest.attempts).map((event) => event.text)).toEqual([
        "one",
        "two",
        "three",
        "four"
      ])
      expect((yield* NotifierTest.sent)[0]!.channel).toBe("ops")
      yield* NotifierTest.clear
      expect(yield* NotifierTest.sent).toEqual([])
      expect(yield* NotifierTest.attempts).toEqual([])
    }).pipe(Effect.provide(NotifierTest.layer))
  )

  it.effect("gives each build its own records", () =>
    Effect.gen(function* () {
      yield* Effect.provide(Notifier.notify(firing()), NotifierTest.layer)
      const sent = yield* Effect.provide(NotifierTest.sent, NotifierTest.layer)
      expect(sent).toEqual([])
    })
  )
})
