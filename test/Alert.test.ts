import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Layer, TestClock } from "effect"
import { Alert, NotifierTest } from "../src/index.js"
import { captureLogs } from "./support/logs.js"
import { services } from "./support/services.js"

describe("Alert.sendRateLimited", () => {
  it.effect("delivers the first alert, suppresses the duplicate", () =>
    Effect.gen(function* () {
      const alert = {
        name: "charge",
        error: new Error("HTTP 500"),
        context: "billing",
        message: "Charging fails",
        channel: "ops"
      }
      expect(yield* Alert.sendRateLimited(alert)).toBe(true)
      expect(yield* Alert.sendRateLimited(alert)).toBe(false)
      const sent = yield* NotifierTest.sent
      expect(sent).toHaveLength(1)
      expect(sent[0]).toMatchObject({
        _tag: "Firing",
        severity: "error",
        title: "Charging fails",
        text: "Charging fails",
        operation: "charge",
        context: "billing",
        signature: "billing:charge:Error:HTTP 500",
        error: { type: "Error", message: "HTTP 500" },
        suppressed: 0,
        heldBack: 0,
        channel: "ops"
      })
      expect(sent[0]!.dedupKey).toMatch(/^billing\/charge\/[0-9a-f]{14}$/)
    }).pipe(Effect.provide(services()))
  )

  it.effect(
    "a notifier defect is logged with the alert text and swallowed; the limiter still counts it",
    () => {
      const logs = captureLogs()
      return Effect.gen(function* () {
        yield* NotifierTest.setFailure(Cause.die(new Error("socket exploded")))
        const error = new Error("HTTP 500")
        // Handed over (delivery is the notifier's, off this fiber), then suppressed.
        expect(
          yield* Alert.sendRateLimited({
            name: "charge",
            error,
            context: "billing",
            message: "Charging fails"
          })
        ).toBe(true)
        expect(
          yield* Alert.sendRateLimited({
            name: "charge",
            error,
            context: "billing",
            message: "Charging fails"
          })
        ).toBe(false)
        expect(yield* NotifierTest.attempts).toHaveLength(1)
        const failures = logs.lines.filter((line) => line.level === "ERROR")
        expect(failures).toHaveLength(1)
        expect(failures[0]!.message).toContain("Alert could not be delivered: Charging fails")
        expect(failures[0]!.cause).toContain("socket exploded")
      }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
    }
  )

  it.effect("never fails on hostile error values", () =>
    Effect.gen(function* () {
      const hostile = [
        null,
        undefined,
        Object.create(null),
        {
          toString() {
            throw new Error("no")
          }
        },
        new Error("m".repeat(1024 * 1024))
      ]
      for (const error of hostile) {
        expect(yield* Alert.sendCriticalRetryAlert({ name: "f", attempt: 50, error, context: "ctx" })).toBe(
          true
        )
      }
      const sent = yield* NotifierTest.sent
      expect(sent).toHaveLength(hostile.length)
      // The 1 MB message is quoted, not pasted.
      expect(sent[4]!.text.length).toBeLessThan(2_000)
    }).pipe(Effect.provide(services()))
  )

  it.effect("says how many alerts were suppressed since the last one, and since when", () =>
    Effect.gen(function* () {
      const error = new Error("HTTP 500")
      yield* Alert.sendRateLimited({ name: "charge", error, context: "billing", message: "Charging fails" })
      yield* Alert.sendRateLimited({ name: "charge", error, context: "billing", message: "Charging fails" })
      yield* Alert.sendRateLimited({ name: "charge", error, context: "billing", message: "Charging fails" })
      yield* TestClock.adjust("5 minutes")
      expect(
        yield* Alert.sendRateLimited({ name: "charge", error, context: "billing", message: "Charging fails" })
      ).toBe(true)
      const sent = yield* NotifierTest.sent
      expect(sent[0]!.text).toBe("Charging fails")
      // Fired again after the window: the same incident, still failing.
      expect(sent[1]!.text).toBe(
        "Charging fails\n\nStill failing: since 1970-01-01T00:00:00.000Z (5m); first alerted at 1970-01-01T00:00:00.000Z.\n\n(2 identical alerts were suppressed since 1970-01-01T00:00:00.000Z)"
      )
      expect(sent[1]!.dedupKey).toBe(sent[0]!.dedupKey)
      expect(sent[1]!.suppressed).toBe(2)
    }).pipe(Effect.provide(services()))
  )
})

describe("Alert.criticalRetryMessage", () => {
  it("names the operation, context, attempt, error type and message, and asks to investigate", () => {
    const text = Alert.criticalRetryMessage({
      name: "spend_credits",
      attempt: 50,
      error: new TypeError("HTTP 500"),
      context: "billing"
    })
    expect(text).toContain("Operation: spend_credits")
    expect(text).toContain("Context: billing")
    expect(text).toContain("Current attempt: 50/50")
    expect(text).toContain("Error: TypeError: HTTP 500")
    expect(text).toMatch(/Investigate/)
  })
})

describe("Alert.infrastructureMessage", () => {
  it("names resource, action, operation, attempt N/max, and cuts the error to 200 characters", () => {
    const text = Alert.infrastructureMessage({
      resourceName: "postgres",
      actionName: "connect",
      name: "connectDb",
      attempt: 50,
      maxAttempts: 101,
      error: new Error("e".repeat(1000))
    })
    expect(text).toContain("Resource: postgres")
    expect(text).toContain("Action: connect")
    expect(text).toContain("Operation: connectDb")
    expect(text).toContain("Current attempt: 50/101")
    const errorLine = text.split("\n").find((line) => line.startsWith("Error: "))!
    expect(errorLine.length - "Error: ".length).toBe(200)
  })
})
