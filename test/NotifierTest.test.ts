import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { Notifier, NotifierTest } from "../src/index.js"
import { firing } from "./support/events.js"
import { captureLogs } from "./support/logs.js"

describe("NotifierTest.layer()", () => {
  it.effect("records delivered events and every attempt, and fails or dies on demand", () =>
    Effect.gen(function* () {
      const logs = captureLogs()
      yield* Effect.gen(function* () {
        yield* Notifier.notify(firing({ text: "one", channel: "ops" }))
        yield* NotifierTest.flush
        const failure = new Notifier.NotifierError({ message: "webhook gone" })
        yield* NotifierTest.setFailure(Cause.fail(failure))
        // The hand-over succeeds; the delivery fails in the queue's fiber, which logs it.
        expect(yield* Effect.exit(Notifier.notify(firing({ text: "two" })))).toEqual(Exit.void)
        yield* NotifierTest.flush
        yield* NotifierTest.setFailure(Cause.die("boom"))
        yield* Notifier.notify(firing({ text: "three" }))
        yield* NotifierTest.flush
      }).pipe(Effect.provide(logs.layer))
      expect(logs.lines.map((line) => [line.message, line.cause])).toEqual([
        ["Alert could not be delivered: two", expect.stringContaining("webhook gone")],
        ["Alert could not be delivered: three", expect.stringContaining("boom")]
      ])
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
    }).pipe(Effect.provide(NotifierTest.layer()))
  )

  it.effect("gives each build its own records", () =>
    Effect.gen(function* () {
      yield* Effect.provide(Notifier.notify(firing()), NotifierTest.layer())
      const sent = yield* Effect.provide(NotifierTest.sent, NotifierTest.layer())
      expect(sent).toEqual([])
    })
  )
})
