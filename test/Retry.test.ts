import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Clock,
  Data,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Ref,
  TestClock
} from "effect"
import { AlertLimiter, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { defectOf, failureOf } from "./support/exits.js"
import { captureLogs } from "./support/logs.js"
import { services } from "./support/services.js"

class HttpError extends Data.TaggedError("HttpError")<{ readonly status: number }> {}

/** An operation that fails `failures` times with `error`, then succeeds with "ok"; counts attempts. */
const flaky = <E>(failures: number, error: E) =>
  Effect.map(Ref.make(0), (attempts) => ({
    attempts: Ref.get(attempts),
    effect: Ref.updateAndGet(attempts, (n) => n + 1).pipe(
      Effect.flatMap((n) => (n <= failures ? Effect.fail(error) : Effect.succeed("ok")))
    )
  }))

describe("Retry.retry", () => {
  it.effect("succeeds after failures", () =>
    Effect.gen(function* () {
      const op = yield* flaky(3, new HttpError({ status: 500 }))
      const exit = yield* runPastBackoff(op.effect.pipe(Retry.retry({ name: "fetch" })))
      expect(exit).toEqual(Exit.succeed("ok"))
      expect(yield* op.attempts).toBe(4)
    }).pipe(Effect.provide(services()))
  )

  it.effect("makes maxAttempts attempts in all, then fails with the original error, unchanged", () =>
    Effect.gen(function* () {
      const error = new HttpError({ status: 503 })
      const op = yield* flaky(Number.POSITIVE_INFINITY, error)
      const exit = yield* runPastBackoff(op.effect.pipe(Retry.retry({ name: "fetch", maxAttempts: 7 })))
      expect(exit).toStrictEqual(Exit.fail(error))
      // The very object, not an equal one.
      expect(failureOf(exit)).toBe(error)
      expect(yield* op.attempts).toBe(7)
    }).pipe(Effect.provide(services()))
  )

  it.effect("can also be called data-first", () =>
    Effect.gen(function* () {
      const op = yield* flaky(1, "nope")
      const exit = yield* runPastBackoff(Retry.retry(op.effect, { name: "fetch" }))
      expect(exit).toEqual(Exit.succeed("ok"))
      expect(yield* op.attempts).toBe(2)
    }).pipe(Effect.provide(services()))
  )

  it.effect("defaults to 5 attempts (funcRetry too)", () =>
    Effect.gen(function* () {
      const a = yield* flaky(Number.POSITIVE_INFINITY, "down")
      yield* runPastBackoff(a.effect.pipe(Retry.retry({ name: "a" })))
      expect(yield* a.attempts).toBe(5)
      const b = yield* flaky(Number.POSITIVE_INFINITY, "down")
      yield* runPastBackoff(b.effect.pipe(Retry.funcRetry("b")))
      expect(yield* b.attempts).toBe(5)
    }).pipe(Effect.provide(services()))
  )

  it.effect("waits more than zero and at most maxWait between attempts", () =>
    Effect.gen(function* () {
      const times: Array<number> = []
      const op = Effect.flatMap(Clock.currentTimeMillis, (now) => {
        times.push(now)
        return Effect.fail("down")
      })
      yield* runPastBackoff(op.pipe(Retry.retry({ name: "gaps", maxAttempts: 30, maxWait: "3 seconds" })))
      expect(times).toHaveLength(30)
      const gaps = times.slice(1).map((t, i) => t - times[i]!)
      for (const gap of gaps) {
        expect(gap).toBeGreaterThan(0)
        expect(gap).toBeLessThanOrEqual(3000)
      }
      // The first gap is 1 s plus up to 1 s of jitter; later ones grow until the cap.
      expect(gaps[0]).toBeGreaterThanOrEqual(1000)
      expect(gaps[0]).toBeLessThanOrEqual(2000)
    }).pipe(Effect.provide(services()))
  )

  it.effect("retries only failures accepted by `while`", () =>
    Effect.gen(function* () {
      const notFound = new HttpError({ status: 404 })
      const op = yield* flaky(Number.POSITIVE_INFINITY, notFound)
      const exit = yield* runPastBackoff(
        op.effect.pipe(Retry.retry({ name: "fetch", while: (e: HttpError) => e.status >= 500 }))
      )
      expect(failureOf(exit)).toBe(notFound)
      expect(yield* op.attempts).toBe(1)

      const calls: Array<number> = []
      const counted = yield* flaky(Number.POSITIVE_INFINITY, new HttpError({ status: 502 }))
      yield* runPastBackoff(
        counted.effect.pipe(
          Retry.retry({ name: "fetch", maxAttempts: 3, while: (e: HttpError) => calls.push(e.status) > 0 })
        )
      )
      expect(calls).toHaveLength(2) // asked once per failure that could be retried

      const flakyServer = yield* flaky(2, new HttpError({ status: 502 }))
      const ok = yield* runPastBackoff(
        flakyServer.effect.pipe(Retry.retry({ name: "fetch", while: (e: HttpError) => e.status >= 500 }))
      )
      expect(ok).toEqual(Exit.succeed("ok"))
    }).pipe(Effect.provide(services()))
  )

  it.effect("does not retry defects", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const op = Effect.zipRight(
        Ref.update(attempts, (n) => n + 1),
        Effect.dieMessage("bug")
      )
      const exit = yield* runPastBackoff(op.pipe(Retry.retry({ name: "buggy" })))
      const defect = defectOf(exit)
      expect(defect).toBeInstanceOf(Cause.RuntimeException)
      expect((defect as Error).message).toBe("bug")
      expect(yield* Ref.get(attempts)).toBe(1)
    }).pipe(Effect.provide(services()))
  )

  it.effect("stops at once when interrupted during a 30 s backoff, with no further attempt", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const op = Effect.zipRight(
        Ref.update(attempts, (n) => n + 1),
        Effect.fail("down")
      )
      const fiber = yield* Effect.fork(
        op.pipe(Retry.retry({ name: "slow", maxAttempts: 100, maxWait: "30 seconds" }))
      )
      // Move to the long, capped backoffs: 10 attempts take at most 1+2+4+8+16+30*4 s + jitter.
      yield* TestClock.adjust("200 seconds")
      const before = yield* Ref.get(attempts)
      expect(before).toBeGreaterThanOrEqual(6)
      yield* TestClock.adjust("1 second") // now inside a backoff of up to 30 s
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      const stopped = yield* Ref.get(attempts)
      yield* TestClock.adjust("1 hour")
      expect(yield* Ref.get(attempts)).toBe(stopped)
    }).pipe(Effect.provide(services()))
  )

  it.effect("retries non-Error failure values", () =>
    Effect.gen(function* () {
      for (const value of [null, undefined, 42, "text", Object.create(null), { code: "E" }]) {
        const op = yield* flaky(2, value)
        const exit = yield* runPastBackoff(op.effect.pipe(Retry.retry({ name: "odd" })))
        expect(exit).toEqual(Exit.succeed("ok"))
        expect(yield* op.attempts).toBe(3)
      }
    }).pipe(Effect.provide(services()))
  )

  it.effect("logs a warning per retry and an error when it gives up", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const op = yield* flaky(Number.POSITIVE_INFINITY, new HttpError({ status: 500 }))
      yield* runPastBackoff(op.effect.pipe(Retry.retry({ name: "fetchUser", maxAttempts: 3 })))
      const warnings = logs.lines.filter((line) => line.level === "WARN")
      const errors = logs.lines.filter((line) => line.level === "ERROR")
      expect(warnings.map((line) => line.annotations.attempt)).toEqual([1, 2])
      expect(warnings[0]!.message).toMatch(/fetchUser failed on attempt 1\/3; retrying in .*: HttpError/)
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toMatch(/fetchUser gave up after 3 attempts: HttpError/)
    }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })

  it.effect("scrubs secrets from its log lines", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const leaky = new Error(
        "GET https://bob:hunter2@db.example.com/x failed; Authorization: Bearer abc.def.ghi"
      )
      yield* runPastBackoff(Effect.fail(leaky).pipe(Retry.retry({ name: "leaky", maxAttempts: 2 })))
      const ours = logs.lines.filter((line) => line.annotations.operation === "leaky")
      expect(ours.map((line) => line.level)).toEqual(["WARN", "ERROR"])
      for (const line of ours) {
        expect(line.message).not.toContain("hunter2")
        expect(line.message).not.toContain("abc.def.ghi")
        expect(line.message).toContain("[REDACTED]")
      }
    }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })

  it.effect("sends one critical alert when attempt 50 fails and another attempt follows", () =>
    Effect.gen(function* () {
      const op = yield* flaky(Number.POSITIVE_INFINITY, new Error("HTTP 500"))
      yield* runPastBackoff(
        op.effect.pipe(
          Retry.retry({ name: "spend_credits", context: "billing", maxAttempts: 60, maxWait: "1 second" })
        )
      )
      expect(yield* op.attempts).toBe(60)
      const sent = yield* NotifierTest.sent
      expect(sent).toHaveLength(1)
      expect(sent[0]!.text).toContain("spend_credits")
      expect(sent[0]!.text).toContain("billing")
      // The attempt as the log line says it: of maxAttempts, not of the alert threshold.
      expect(sent[0]!.text).toContain("Current attempt: 50/60")
      expect(sent[0]!.text).toContain("Error: HTTP 500")
    }).pipe(Effect.provide(services()))
  )

  it.effect("sends no alert when the threshold attempt is the last one", () =>
    Effect.gen(function* () {
      const op = yield* flaky(Number.POSITIVE_INFINITY, new Error("HTTP 500"))
      yield* runPastBackoff(op.effect.pipe(Retry.retry({ name: "f", maxAttempts: 50, maxWait: "1 second" })))
      expect(yield* op.attempts).toBe(50)
      expect(yield* NotifierTest.attempts).toHaveLength(0)
    }).pipe(Effect.provide(services()))
  )

  it.effect("many loops failing the same way send one alert", () =>
    Effect.gen(function* () {
      const loops = Array.from({ length: 10 }, () =>
        Effect.fail(new Error("HTTP 500")).pipe(
          Retry.retry({ name: "f", maxAttempts: 51, maxWait: "1 second" })
        )
      )
      yield* runPastBackoff(Effect.all(loops, { concurrency: "unbounded", mode: "either" }))
      expect(yield* NotifierTest.sent).toHaveLength(1)
    }).pipe(Effect.provide(services()))
  )

  it("rejects invalid options when the combinator is built, naming the option", () => {
    const bad: Array<[Retry.Options, RegExp]> = [
      [{ name: "f", maxAttempts: 0 }, /"maxAttempts"/],
      [{ name: "f", maxAttempts: 2.5 }, /"maxAttempts"/],
      [{ name: "f", maxAttempts: Number.NaN }, /"maxAttempts"/],
      [{ name: "f", maxAttempts: Number.POSITIVE_INFINITY }, /"maxAttempts"/],
      [{ name: "f", maxWait: -1 }, /"maxWait"/],
      [{ name: "f", maxWait: Number.NaN }, /"maxWait"/],
      [{ name: "f", maxWait: Duration.infinity }, /"maxWait"/],
      [{ name: "f", maxWait: 0 }, /"maxWait"/],
      [{ name: "" }, /"name"/],
      [{ name: "   " }, /"name": must be a non-blank string, got " {3}"/],
      [{ name: "\t\n" }, /"name"/],
      [{ name: "f", while: "yes" as never }, /"while"/]
    ]
    for (const [options, message] of bad) {
      expect(() => Retry.retry(options)).toThrow(message)
      expect(() => Retry.retry(Effect.void, options)).toThrow(Retry.InvalidOptionError)
    }
    expect(() => Retry.connRetry("db", "connect", { maxRetry: -1 })).toThrow(/"maxRetry"/)
    expect(() => Retry.connRetry("db", "connect", { maxRetry: 1.5 })).toThrow(/"maxRetry"/)
    expect(() => Retry.connRetry("db", "connect", { maxWait: "-3 seconds" })).toThrow(/"maxWait"/)
    expect(() => Retry.connRetry("", "connect")).toThrow(/"resourceName"/)
    expect(() => Retry.connRetry("db", "  ")).toThrow(/"actionName"/)
    expect(() => Retry.continuous({ name: " " })).toThrow(/"name"/)
    expect(() => Retry.continuous({ name: "w", retryDelay: Number.NaN })).toThrow(/"retryDelay"/)
    expect(() => Retry.continuous({ name: "w", retryDelay: Duration.infinity })).toThrow(/"retryDelay"/)
  })
})

describe("Retry.connRetry", () => {
  it.effect("makes maxRetry + 1 attempts and logs started, completed, failed with annotations", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const ok = yield* flaky(2, new Error("refused"))
      const result = yield* runPastBackoff(
        ok.effect.pipe(Retry.connRetry("postgres", "connect", { maxRetry: 2 }))
      )
      expect(result).toEqual(Exit.succeed("ok"))
      expect(yield* ok.attempts).toBe(3)

      const refused = new Error("refused")
      const down = yield* flaky(Number.POSITIVE_INFINITY, refused)
      const exit = yield* runPastBackoff(
        down.effect.pipe(Retry.connRetry("postgres", "connect", { maxRetry: 2 }))
      )
      expect(failureOf(exit)).toBe(refused)
      expect(yield* down.attempts).toBe(3)

      const messages = logs.lines.map((line) => `${line.level} ${line.message}`)
      expect(messages).toContain("DEBUG postgres connect started")
      expect(messages).toContain("DEBUG postgres connect completed successfully")
      expect(messages.filter((message) => message.startsWith("ERROR"))).toEqual([
        "ERROR postgres connect failed after retries (3 attempts): Error: refused"
      ])
      const started = logs.lines.filter((line) => line.message === "postgres connect started")
      expect(started[0]!.annotations).toMatchObject({
        resource: "postgres",
        action: "connect",
        service: "unknown",
        pid: process.pid
      })
      // One connection id per combinator.
      expect(started[0]!.annotations.connectionId).not.toBe(started[1]!.annotations.connectionId)
    }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })

  it.effect("with debug logs off, logs nothing on success and annotates the retries and the failure", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const ok = yield* flaky(0, new Error("refused"))
      yield* ok.effect.pipe(Retry.connRetry("postgres", "connect", { maxRetry: 2 }))
      expect(logs.lines).toEqual([])

      const down = yield* flaky(Number.POSITIVE_INFINITY, new Error("refused"))
      yield* runPastBackoff(down.effect.pipe(Retry.connRetry("postgres", "connect", { maxRetry: 2 })))
      const ours = logs.lines.filter((line) => line.annotations.resource === "postgres")
      expect(ours.map((line) => line.level)).toEqual(["WARN", "WARN", "ERROR"])
      expect(ours[2]!.message).toMatch(/^postgres connect failed after retries \(3 attempts\)/)
      expect(ours[2]!.annotations).toMatchObject({ action: "connect", service: "unknown", pid: process.pid })
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Info), Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })

  it.effect("sends the infrastructure alert at attempt 50 with context {resource}_infrastructure", () =>
    Effect.gen(function* () {
      const op = yield* flaky(Number.POSITIVE_INFINITY, new Error("x".repeat(500)))
      yield* runPastBackoff(
        op.effect.pipe(Retry.connRetry("redis", "ping", { maxRetry: 100, maxWait: "1 second" })),
        "2 hours"
      )
      expect(yield* op.attempts).toBe(101)
      const sent = yield* NotifierTest.sent
      expect(sent).toHaveLength(1)
      const text = sent[0]!.text
      expect(text).toContain("Resource: redis")
      expect(text).toContain("Action: ping")
      expect(text).toContain("Current attempt: 50/101")
      expect(text).not.toContain("x".repeat(200))
      // The alert was keyed with the infrastructure context: only that signature has a record.
      const error = new Error("x".repeat(500))
      const keyed = yield* AlertLimiter.check(AlertLimiter.signature("ping", error, "redis_infrastructure"))
      expect(keyed.lastSentAt).toBeTypeOf("number")
      const plain = yield* AlertLimiter.check(AlertLimiter.signature("ping", error, "redis"))
      expect(plain.lastSentAt).toBeUndefined()
    }).pipe(Effect.provide(services()))
  )
})

describe("Retry.continuous", () => {
  it.effect("retries forever at a fixed delay, logging every 10th failure as an error with its cause", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const op = yield* flaky(25, new Error("queue down"))
      const fiber = yield* Effect.fork(
        op.effect.pipe(Retry.continuous({ name: "consume", retryDelay: "2 seconds" }))
      )
      yield* TestClock.adjust("10 seconds")
      expect(yield* op.attempts).toBe(6)
      yield* TestClock.adjust("1 minute")
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(yield* op.attempts).toBe(26)
      const errors = logs.lines.filter((line) => line.level === "ERROR")
      expect(errors.map((line) => line.annotations.failures)).toEqual([10, 20])
      expect(errors[0]!.cause).toContain("queue down")
      expect(logs.lines.filter((line) => line.level === "WARN")).toHaveLength(23)
    }).pipe(Effect.provide(logs.layer))
  })
})
