/**
 * Nothing secret leaves the alert path: not in any string field of a firing or resolved event
 * (the signature included), not in the retry's span (status, events, attributes).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Schedule } from "effect"
import { type Alert, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failureOf } from "./support/exits.js"
import { services } from "./support/services.js"
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
      expect(yield* runPastBackoff(retried)).toStrictEqual(Exit.fail(secretError()))
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
    }).pipe(Effect.provide(services()))
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
      expect(failureOf(exit)).toBe(error)
      const span = recorder.spans().find((each) => each.name === "retry load")
      if (span === undefined) return expect.fail("no span retry load")
      if (span.status._tag !== "Ended") return expect.fail("the span did not end")
      const ended = span.status.exit
      // The span failed with the scrubbed failure: its type and host are there, the secrets are not.
      const recorded = failureOf(ended)
      expect(recorded).toBeInstanceOf(Error)
      expect((recorded as Error).name).toBe("RetryFailure")
      expect((recorded as Error).message).toBe(
        "Error: connect failed: mongodb+srv://[REDACTED]@cluster0.example.net/orders; Authorization: token [REDACTED:github-token]"
      )
      expectNoSecret(Exit.isFailure(ended) ? Cause.pretty(ended.cause) : "")
      // An event per failed attempt, its message scrubbed the same way.
      const failed = recorder.events(span).filter((event) => event.name === "retry.attempt_failed")
      expect(failed.map((event) => event.attributes["error.message"])).toEqual([
        "connect failed: mongodb+srv://[REDACTED]@cluster0.example.net/orders; Authorization: token [REDACTED:github-token]",
        "connect failed: mongodb+srv://[REDACTED]@cluster0.example.net/orders; Authorization: token [REDACTED:github-token]"
      ])
      // The dump holds the events too.
      expectNoSecret(recorder.dump())
      for (const text of stringsOf(Object.fromEntries(span.attributes))) expectNoSecret(text)
    }).pipe(Effect.provide(services()))
  )
})
