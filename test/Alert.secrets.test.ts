/**
 * Nothing secret leaves the alert path: not in any string field of a firing or resolved event
 * (the signature included), not in the retry's span (status, events, attributes).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option, Schedule } from "effect"
import { type Alert, AlertLimiter, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { makeSpanRecorder } from "./support/spans.js"

const PASSWORD = "Hunter2-Pa55w0rd"
const TOKEN = "ghp_4f9Qz1LmT8sXw2Yv6Rk0PaNb3Hc7Jd5Ue9Gi"
const secretError = () =>
  new Error(
    `connect failed: mongodb+srv://appuser:${PASSWORD}@cluster0.example.net/orders; Authorization: token ${TOKEN}`
  )

/** Every string anywhere in `value`, however deep. */
const stringsOf = (value: unknown): Array<string> => {
  if (typeof value === "string") return [value]
  if (value === null || typeof value !== "object") return []
  return Object.values(value).flatMap(stringsOf)
}

const expectNoSecret = (text: string) => {
  expect(text).not.toContain(PASSWORD)
  expect(text).not.toContain(TOKEN)
}

describe("secrets on the alert path", () => {
  it.effect("no string field of a Firing or Resolved event holds the password or the token", () =>
    Effect.gen(function* () {
      let failing = true
      const operation = Effect.suspend(() => (failing ? Effect.fail(secretError()) : Effect.succeed("ok")))
      const retried = operation.pipe(
        Retry.retry({ name: "load", context: "orders", maxAttempts: 3, alertAt: { attempts: 2 } })
      )
      expect(Exit.isFailure(yield* runPastBackoff(retried))).toBe(true)
      failing = false
      yield* retried
      const events = yield* NotifierTest.sent
      expect(events.map((event) => event._tag)).toEqual(["Firing", "Resolved"])
      for (const event of events) {
        // A positive control: the scrubbed signature still names the operation and the host.
        expect(event.signature).toContain("orders:load:Error:connect failed: mongodb+srv://")
        for (const text of stringsOf(event)) expectNoSecret(text)
      }
      expect((events[0] as Alert.Firing).error.message).toContain("cluster0.example.net")
    }).pipe(Effect.provide(Layer.merge(AlertLimiter.layer, NotifierTest.layer)))
  )

  it.effect("the retry span records the scrubbed failure; the caller gets the very error back", () =>
    Effect.gen(function* () {
      const recorder = yield* makeSpanRecorder
      const error = secretError()
      const exit = yield* runPastBackoff(
        Effect.fail(error).pipe(
          Retry.retry({ name: "load", maxAttempts: 2, schedule: Schedule.spaced("1 second") }),
          Effect.withTracer(recorder.tracer)
        )
      )
      expect(Exit.isFailure(exit) && Option.getOrUndefined(Cause.failureOption(exit.cause))).toBe(error)
      const span = recorder.spans().find((each) => each.name === "retry load")
      if (span === undefined) return expect.fail("no span retry load")
      if (span.status._tag !== "Ended") return expect.fail("the span did not end")
      const ended = span.status.exit
      expect(Exit.isFailure(ended)).toBe(true)
      const recorded = Exit.isFailure(ended) ? Cause.pretty(ended.cause) : ""
      // The scrubbed failure is there (its type and host), the secrets are not.
      expect(recorded).toContain("cluster0.example.net")
      expectNoSecret(recorded)
      expectNoSecret(recorder.dump())
      for (const text of stringsOf(Object.fromEntries(span.attributes))) expectNoSecret(text)
    }).pipe(Effect.provide(Layer.merge(AlertLimiter.layer, NotifierTest.layer)))
  )
})
