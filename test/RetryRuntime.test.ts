/**
 * RetryRuntime on real sync and async functions and real promises. Backoff waits are driven by
 * the TestClock of the runtime itself (its layer includes `TestContext.TestContext`): a test
 * starts a call, moves that clock with `TestClock.adjust`, then awaits the call.
 */
import { Chunk, type Duration, Effect, Layer, Logger, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import {
  AlertLimiter,
  InvalidOptionError,
  Notifier,
  NotifierTest,
  RetryBudget,
  RetryRuntime
} from "../src/index.js"
import { captureLogs } from "./support/logs.js"
import { services } from "./support/services.js"

class ValueError extends Error {
  override name = "ValueError"
}

type TestRuntime = RetryRuntime.RetryRuntime<
  AlertLimiter.AlertLimiter | Notifier.Notifier | NotifierTest.NotifierTest,
  never
>

/** A fresh runtime on a TestClock, with its own limiter and recording notifier; `logs` adds a logger. */
const testRuntime = (logs: Layer.Layer<never> = Layer.empty): TestRuntime =>
  RetryRuntime.create(
    Layer.mergeAll(TestContext.TestContext, services(), Logger.remove(Logger.defaultLogger), logs)
  )

/** Moves the runtime's TestClock: every backoff due by then completes without real waiting. */
const passTime = (retries: TestRuntime, duration: Duration.DurationInput = "1 hour") =>
  retries.runtime.runPromise(TestClock.adjust(duration))

/** How many sleeps (backoff waits) are pending on the runtime's TestClock. */
const pendingSleeps = async (retries: TestRuntime) =>
  Chunk.size(await retries.runtime.runPromise(TestClock.sleeps()))

/** Settles a promise into a value to assert on, so a rejection is not left unhandled meanwhile. */
const settle = <A>(promise: Promise<A>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error })
  )

describe("seed 1-2: conn_retry on real functions", () => {
  const state = { retryCount: 0 }
  function syncFunction() {
    if (state.retryCount > 0) {
      state.retryCount--
      throw new ValueError("Test error")
    }
    return "Success"
  }
  async function asyncFunction() {
    await Promise.resolve()
    return syncFunction()
  }

  const cases: Array<[string, () => string | Promise<string>]> = [
    ["sync", syncFunction],
    ["async", asyncFunction]
  ]
  for (const [kind, fn] of cases) {
    it(`${kind === "sync" ? "1" : "2"}. on a ${kind} function: succeeds after failures, rejects with the original error when retries run out`, async () => {
      await using retries = testRuntime()
      const call = retries.connRetry("test", "test", { maxRetry: 2, maxWait: "100 millis" })(fn)

      state.retryCount = 2
      const succeeded = call()
      await passTime(retries)
      expect(await succeeded).toBe("Success")
      expect(state.retryCount).toBe(0)

      state.retryCount = 100
      const failed = settle(call())
      await passTime(retries)
      const outcome = await failed
      expect(outcome.ok).toBe(false)
      const error = outcome.ok ? undefined : outcome.error
      expect(error).toBeInstanceOf(ValueError)
      expect((error as Error).message).toBe("Test error")
      expect(state.retryCount).toBe(97)
    })
  }
})

describe("RetryRuntime.retry", () => {
  it("calls the function directly on success: the runtime's layer is never even built", async () => {
    let builds = 0
    const counted = Layer.effectDiscard(Effect.sync(() => builds++))
    await using retries = RetryRuntime.create(
      Layer.mergeAll(TestContext.TestContext, services(), Logger.remove(Logger.defaultLogger), counted)
    )
    let calls = 0
    const syncOk = retries.retry((n: number) => {
      calls++
      return n * 2
    })
    const asyncOk = retries.retry(async (n: number) => {
      calls++
      return n + 1
    })
    for (let i = 0; i < 100; i++) {
      expect(await syncOk(i)).toBe(i * 2)
      expect(await asyncOk(i)).toBe(i + 1)
    }
    expect(calls).toBe(200)
    expect(builds).toBe(0)

    // The first failure enters the runtime, which builds the layer once.
    let failures = 1
    const flaky = retries.retry(() => {
      if (failures-- > 0) throw new Error("once")
      return "ok"
    })
    const result = flaky()
    await passTime(retries)
    expect(await result).toBe("ok")
    expect(builds).toBe(1)
  })

  it("rejects with the layer's own error when the runtime cannot be built for a retry", async () => {
    const unbuildable = new Error("no webhook configured")
    await using retries = RetryRuntime.create(
      Layer.merge(AlertLimiter.layer(), Layer.effect(Notifier.Notifier, Effect.fail(unbuildable)))
    )
    const ok = retries.retry(() => "fine")
    expect(await ok()).toBe("fine")
    const failing = retries.retry(() => {
      throw new Error("down")
    })
    const outcome = await settle(failing())
    expect(outcome.ok ? undefined : outcome.error).toBe(unbuildable)
  })

  it("rejects with the very value thrown, for sync and async functions, whatever it is", async () => {
    await using retries = testRuntime()
    const values: Array<unknown> = [
      new ValueError("down"),
      "text",
      undefined,
      null,
      42,
      Object.create(null),
      Object.freeze({ code: "E" })
    ]
    for (const value of values) {
      let calls = 0
      const sync = retries.retry(
        () => {
          calls++
          throw value
        },
        { maxAttempts: 3 }
      )
      const async = retries.retry(
        async () => {
          calls++
          await Promise.resolve()
          throw value
        },
        { maxAttempts: 3 }
      )
      const outcomes = Promise.all([settle(sync()), settle(async())])
      await passTime(retries)
      for (const outcome of await outcomes) {
        expect(outcome.ok).toBe(false)
        if (!outcome.ok) expect(outcome.error).toBe(value)
      }
      expect(calls).toBe(6)
    }
  })

  it("rejects with the last attempt's error when each attempt throws a new one", async () => {
    await using retries = testRuntime()
    let calls = 0
    const call = settle(
      retries.retry(
        async () => {
          calls++
          throw new ValueError(`failure ${calls}`)
        },
        { maxAttempts: 4 }
      )()
    )
    await passTime(retries)
    const outcome = await call
    expect(outcome.ok ? undefined : (outcome.error as Error).message).toBe("failure 4")
    expect(calls).toBe(4)
  })

  it("passes `this` and the arguments to every attempt, and keeps the function's name", async () => {
    await using retries = testRuntime()
    class Account {
      readonly seen: Array<[unknown, Array<unknown>]> = []
      failures = 2
      charge = retries.retry(async function charge(this: Account, amount: number, currency: string) {
        this.seen.push([this, [amount, currency]])
        if (this.failures-- > 0) throw new Error("HTTP 503")
        return `${amount} ${currency}`
      })
    }
    const account = new Account()
    const result = account.charge(42, "EUR")
    await passTime(retries)
    expect(await result).toBe("42 EUR")
    expect(account.seen).toEqual([
      [account, [42, "EUR"]],
      [account, [42, "EUR"]],
      [account, [42, "EUR"]]
    ])
    for (const [self] of account.seen) expect(self).toBe(account)
    expect(account.charge.name).toBe("charge")
  })

  it("turns a sync function's result into a promise, and awaits a thenable one", async () => {
    await using retries = testRuntime()
    const double = retries.retry((n: number) => n * 2)
    const pending = double(21)
    expect(pending).toBeInstanceOf(Promise)
    expect(await pending).toBe(42)

    // A sync function returning a custom thenable: rejected twice, then fulfilled.
    let calls = 0
    const thenable = retries.retry(() => {
      calls++
      const attempt = calls
      return {
        // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is the point here
        then(resolve: (value: string) => void, reject: (error: unknown) => void) {
          if (attempt < 3) reject(new Error(`not yet ${attempt}`))
          else resolve(`done ${attempt}`)
        }
      }
    })
    const result = thenable()
    await passTime(retries)
    expect(await result).toBe("done 3")
  })

  it("gives up after maxAttempts with the Retry logs: a warning per retry, then an error", async () => {
    const logs = captureLogs()
    await using retries = testRuntime(logs.layer)
    let calls = 0
    const retried = retries.retry(
      async function fetchUser() {
        calls++
        throw new Error("HTTP 500")
      },
      { maxAttempts: 3 }
    )
    const call = settle(retried())
    await passTime(retries)
    expect((await call).ok).toBe(false)
    expect(calls).toBe(3)
    const warnings = logs.lines.filter((line) => line.level === "WARN")
    expect(warnings.map((line) => line.annotations.attempt)).toEqual([1, 2])
    expect(warnings[0]!.message).toMatch(/^fetchUser failed on attempt 1\/3; retrying in .*: Error: HTTP 500/)
    const errors = logs.lines.filter((line) => line.level === "ERROR")
    expect(errors.map((line) => line.message)).toEqual([
      "fetchUser gave up after 3 attempts: Error: HTTP 500"
    ])
  })

  it("names an anonymous function's operation 'anonymous', unless `name` is given", async () => {
    const logs = captureLogs()
    await using retries = testRuntime(logs.layer)
    const fail = () => {
      throw new Error("x")
    }
    const calls = [
      settle(retries.retry(() => fail(), { maxAttempts: 2 })()),
      settle(retries.retry(() => fail(), { maxAttempts: 2, name: "named" })())
    ]
    await passTime(retries)
    await Promise.all(calls)
    const warnings = logs.lines.filter((line) => line.level === "WARN").map((line) => line.message)
    // Whole lines; only the jittered delay (1 s plus up to 1 s) is matched by its shape.
    expect([...warnings].sort()).toEqual([
      expect.stringMatching(/^anonymous failed on attempt 1\/2; retrying in 1s( \d{1,3}ms)?: Error: x$/),
      expect.stringMatching(/^named failed on attempt 1\/2; retrying in 1s( \d{1,3}ms)?: Error: x$/)
    ])
  })

  it("retries only failures accepted by `while`", async () => {
    await using retries = testRuntime()
    let calls = 0
    const notFound = new ValueError("404")
    const call = settle(
      retries.retry(
        () => {
          calls++
          throw notFound
        },
        { while: (error) => !(error instanceof ValueError) }
      )()
    )
    await passTime(retries)
    const outcome = await call
    expect(outcome.ok ? undefined : outcome.error).toBe(notFound)
    expect(calls).toBe(1)
  })

  it("rejects with a defect itself: a `while` predicate that throws", async () => {
    await using retries = testRuntime()
    const bug = new TypeError("predicate bug")
    const call = settle(
      retries.retry(
        () => {
          throw new Error("down")
        },
        {
          while: () => {
            throw bug
          }
        }
      )()
    )
    await passTime(retries)
    const outcome = await call
    expect(outcome.ok ? undefined : outcome.error).toBe(bug)
  })

  it("sends one critical alert, named after the function, when attempt 50 fails and more follow", async () => {
    await using retries = testRuntime()
    let calls = 0
    async function spend_credits() {
      calls++
      throw new Error("HTTP 500")
    }
    // Two loops failing the same way at once: the limiter lets one alert through.
    const options = { context: "billing", maxAttempts: 60, maxWait: "1 second" } as const
    const loops = Promise.all([
      settle(retries.retry(spend_credits, options)()),
      settle(retries.retry(spend_credits, options)())
    ])
    await passTime(retries, "2 hours")
    for (const outcome of await loops) expect(outcome.ok).toBe(false)
    expect(calls).toBe(120)
    expect(await retries.runtime.runPromise(NotifierTest.attempts)).toHaveLength(1)
    const sent = await retries.runtime.runPromise(NotifierTest.sent)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.text).toContain('operation "spend_credits"')
    expect(sent[0]!.text).toContain("Context: billing")
    expect(sent[0]!.text).toContain("Current attempt: 50/60")
  })

  it("rejects invalid options and a non-function when wrapping, naming the option", async () => {
    await using retries = testRuntime()
    const fn = () => "ok"
    const bad: Array<[() => unknown, string]> = [
      [() => retries.retry("not a function" as never), "fn"],
      [() => retries.retry(undefined as never), "fn"],
      [() => retries.retry(fn, 5 as never), "options"],
      [() => retries.retry(fn, { maxAttempts: 0 }), "maxAttempts"],
      [() => retries.retry(fn, { maxAttempts: 2.5 }), "maxAttempts"],
      [() => retries.retry(fn, { maxWait: -1 }), "maxWait"],
      [() => retries.retry(fn, { name: "" }), "name"],
      [() => retries.retry(fn, { while: "yes" as never }), "while"],
      [() => retries.retry(fn, { signal: "abort" as never }), "signal"],
      [() => retries.funcRetry(42 as never), "fn"],
      [() => retries.funcRetry(fn, { name: "" }), "name"],
      [() => retries.connRetry("", "connect"), "resourceName"],
      [() => retries.connRetry("db", "connect", { maxRetry: -1 }), "maxRetry"],
      [() => retries.connRetry("db", "connect", { signal: {} as never }), "signal"],
      [() => retries.connRetry("db", "connect")(null as never), "fn"],
      [() => retries.continuous(fn, { retryDelay: Number.NaN }), "retryDelay"],
      [() => retries.continuous({} as never), "fn"]
    ]
    for (const [wrap, option] of bad) {
      let thrown: unknown
      try {
        wrap()
      } catch (error) {
        thrown = error
      }
      expect(thrown, option).toBeInstanceOf(InvalidOptionError)
      expect((thrown as InvalidOptionError).option).toBe(option)
    }
  })
})

describe("RetryRuntime: abort signal", () => {
  it("ends a call waiting in backoff at once with the signal's reason; no attempt follows", async () => {
    await using retries = testRuntime()
    const controller = new AbortController()
    let calls = 0
    const call = settle(
      retries.retry(
        async () => {
          calls++
          throw new Error("down")
        },
        { maxAttempts: 100, signal: controller.signal }
      )()
    )
    await passTime(retries, 0)
    expect(calls).toBe(1)
    expect(await pendingSleeps(retries)).toBe(1)

    const reason = new Error("shutting down")
    controller.abort(reason)
    // Time does not move: only the abort can settle the call.
    const outcome = await call
    expect(outcome.ok ? undefined : outcome.error).toBe(reason)
    await passTime(retries)
    expect(calls).toBe(1)
  })

  it("rejects at once with the reason, without calling the function, when already aborted", async () => {
    await using retries = testRuntime()
    let calls = 0
    const wrapped = retries.retry(
      () => {
        calls++
        return "ok"
      },
      { signal: AbortSignal.abort("stopped") }
    )
    const outcome = await settle(wrapped())
    expect(outcome.ok ? undefined : outcome.error).toBe("stopped")
    expect(calls).toBe(0)
  })

  it("ends a continuous loop", async () => {
    await using retries = testRuntime()
    const controller = new AbortController()
    let calls = 0
    const call = settle(
      retries.continuous(
        () => {
          calls++
          throw new Error("queue down")
        },
        { retryDelay: "1 second", signal: controller.signal }
      )()
    )
    await passTime(retries, "10 seconds")
    expect(calls).toBe(11)
    controller.abort("stop")
    const outcome = await call
    expect(outcome.ok ? undefined : outcome.error).toBe("stop")
    await passTime(retries, "1 minute")
    expect(calls).toBe(11)
  })
})

describe("RetryRuntime.connRetry", () => {
  it("logs started before the first attempt and completed after it, when the runtime logs debug", async () => {
    const logs = captureLogs()
    await using retries = testRuntime(logs.layer)
    const seenAtCall: Array<Array<string>> = []
    let failures = 1
    const retried = retries.connRetry("postgres", "connect", { maxRetry: 2 })(async function connect() {
      seenAtCall.push(logs.lines.map((line) => line.message))
      if (failures-- > 0) throw new Error("refused")
      return "connected"
    })
    for (let i = 0; i < 2; i++) {
      logs.lines.length = 0
      const result = retried()
      await passTime(retries)
      expect(await result).toBe("connected")
      expect(logs.lines[0]!.message).toBe("postgres connect started")
      expect(logs.lines.at(-1)!.message).toBe("postgres connect completed successfully")
      expect(logs.lines[0]!.annotations).toMatchObject({ resource: "postgres", action: "connect" })
    }
    expect(seenAtCall[0]).toEqual(["postgres connect started"])
    expect(seenAtCall[1]![1]).toMatch(/^connect failed on attempt 1\/3/)
  })

  it("makes maxRetry + 1 attempts, then logs failed after retries and rejects with the error", async () => {
    const logs = captureLogs()
    await using retries = testRuntime(logs.layer)
    let calls = 0
    const error = new Error("refused")
    const call = settle(
      retries.connRetry("redis", "ping", { maxRetry: 3 })(() => {
        calls++
        throw error
      })()
    )
    await passTime(retries)
    const outcome = await call
    expect(outcome.ok ? undefined : outcome.error).toBe(error)
    expect(calls).toBe(4)
    // An anonymous function's operation is named after the action.
    // Whole lines; only the jittered delays (1, 2, 4 s, each plus up to 1 s) are matched by their shape.
    expect(logs.lines.map((line) => [line.level, line.message])).toEqual([
      ["DEBUG", "redis ping started"],
      [
        "WARN",
        expect.stringMatching(/^ping failed on attempt 1\/4; retrying in 1s( \d{1,3}ms)?: Error: refused$/)
      ],
      [
        "WARN",
        expect.stringMatching(/^ping failed on attempt 2\/4; retrying in 2s( \d{1,3}ms)?: Error: refused$/)
      ],
      [
        "WARN",
        expect.stringMatching(/^ping failed on attempt 3\/4; retrying in 4s( \d{1,3}ms)?: Error: refused$/)
      ],
      ["ERROR", "redis ping failed after retries (4 attempts): Error: refused"]
    ])
  })

  it("sends the infrastructure alert at attempt 50, naming the function", async () => {
    await using retries = testRuntime()
    let calls = 0
    async function ping() {
      calls++
      throw new Error("connection refused")
    }
    const call = settle(retries.connRetry("redis", "health", { maxRetry: 100, maxWait: "1 second" })(ping)())
    await passTime(retries, "2 hours")
    expect((await call).ok).toBe(false)
    expect(calls).toBe(101)
    const sent = await retries.runtime.runPromise(NotifierTest.sent)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.text).toContain("Resource: redis")
    expect(sent[0]!.text).toContain("Action: health")
    expect(sent[0]!.text).toContain("Operation: ping")
    expect(sent[0]!.text).toContain("Current attempt: 50/101")
  })
})

describe("RetryRuntime.funcRetry and continuous", () => {
  it("funcRetry makes 5 attempts and rejects with the error", async () => {
    await using retries = testRuntime()
    let calls = 0
    const error = new ValueError("nope")
    const call = settle(
      retries.funcRetry(async function loadProfile() {
        calls++
        throw error
      })()
    )
    await passTime(retries)
    const outcome = await call
    expect(outcome.ok ? undefined : outcome.error).toBe(error)
    expect(calls).toBe(5)
  })

  it("continuous retries at a fixed delay until the function succeeds", async () => {
    await using retries = testRuntime()
    let calls = 0
    const consume = retries.continuous(
      async (queue: string) => {
        calls++
        if (calls <= 25) throw new Error(`${queue} down`)
        return `consumed ${queue}`
      },
      { retryDelay: "2 seconds" }
    )
    const result = consume("jobs")
    await passTime(retries, "10 seconds")
    expect(calls).toBe(6)
    await passTime(retries, "1 minute")
    expect(await result).toBe("consumed jobs")
    expect(calls).toBe(26)
  })
})

describe("RetryRuntime.dispose", () => {
  it("ends retries in backoff with DisposedError; later calls reject without calling the function", async () => {
    const retries = testRuntime()
    let calls = 0
    const wrapped = retries.retry(async () => {
      calls++
      throw new Error("down")
    })
    const inFlight = settle(wrapped())
    await passTime(retries, 0)
    expect(calls).toBe(1)

    await retries.dispose()
    const outcome = await inFlight
    expect(outcome.ok ? undefined : outcome.error).toBeInstanceOf(RetryRuntime.DisposedError)
    expect(outcome.ok ? undefined : (outcome.error as Error).message).toBe("The RetryRuntime was disposed")

    const later = await settle(wrapped())
    expect(later.ok ? undefined : later.error).toBeInstanceOf(RetryRuntime.DisposedError)
    expect(calls).toBe(1)
    // Disposing again is harmless, and so is Symbol.asyncDispose.
    await retries.dispose()
    await retries[Symbol.asyncDispose]()
  })

  it("works with `await using`", async () => {
    let escaped: TestRuntime | undefined
    {
      await using retries = testRuntime()
      escaped = retries
      expect(await retries.retry(() => 1)()).toBe(1)
    }
    const outcome = await settle(escaped.retry(() => 1)())
    expect(outcome.ok ? undefined : outcome.error).toBeInstanceOf(RetryRuntime.DisposedError)
  })
})

describe("RetryRuntime with incidents and a retry budget", () => {
  it("a direct first-attempt success resolves the incident its retries fired, and deposits into the budget", async () => {
    const retries = RetryRuntime.create(
      Layer.mergeAll(
        TestContext.TestContext,
        services(),
        RetryBudget.layer({ percent: 20, minPerSecond: 0 }),
        Logger.remove(Logger.defaultLogger)
      )
    )
    try {
      let failing = true
      const charge = retries.retry(
        async function charge() {
          if (failing) throw new Error("HTTP 500")
          return "ok"
        },
        { name: "charge", context: "billing", maxAttempts: 3, alertAt: { attempts: 2 } }
      )
      // The first call fails and builds the runtime; its one deposit buys no retry at 20%.
      await settle(charge())
      failing = false
      for (let i = 0; i < 10; i++) await charge() // direct successes: deposits, nothing open yet
      const status = await retries.runtime.runPromise(RetryBudget.status("billing"))
      expect(status.deposits).toBe(11)

      failing = true
      const failed = settle(charge())
      await passTime(retries)
      expect((await failed).ok).toBe(false)
      const charges = async () =>
        (await retries.runtime.runPromise(NotifierTest.sent)).filter((event) => event.operation === "charge")
      expect((await charges()).map((event) => event._tag)).toEqual(["Firing"])
      // The first call's refused retry fired the budget's alert; this call's allowed retry resolved it.
      const budgetEvents = (await retries.runtime.runPromise(NotifierTest.sent)).filter(
        (event) => event.operation === "retry budget"
      )
      expect(budgetEvents.map((event) => event._tag)).toEqual(["Firing", "Resolved"])

      failing = false
      expect(await charge()).toBe("ok") // a direct first-attempt success
      const events = await charges()
      expect(events.map((event) => event._tag)).toEqual(["Firing", "Resolved"])
      expect(events[1]!.dedupKey).toBe(events[0]!.dedupKey)
    } finally {
      await retries.dispose()
    }
  })
})
