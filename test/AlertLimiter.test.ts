import { describe, expect, it } from "@effect/vitest"
import { Data, Duration, Effect, Layer, TestClock } from "effect"
import { Alert, AlertLimiter, NotifierTest } from "../src/index.js"

class DbError extends Error {}
class Timeout extends Data.TaggedError("Timeout")<{ readonly message: string }> {}

describe("AlertLimiter.signature", () => {
  it("is context:name:type:message", () => {
    expect(AlertLimiter.signature("spend_credits", new TypeError("HTTP 500"), "billing")).toBe(
      "billing:spend_credits:TypeError:HTTP 500"
    )
  })

  it("defaults the context to the empty string", () => {
    expect(AlertLimiter.signature("f", new Error("boom"))).toBe(":f:Error:boom")
  })

  it("names the type by _tag, then class, then name, then typeof", () => {
    expect(AlertLimiter.signature("f", new Timeout({ message: "slow" }))).toBe(":f:Timeout:slow")
    expect(AlertLimiter.signature("f", new DbError("down"))).toBe(":f:DbError:down")
    const named = Object.assign(new Error("x"), { name: "FetchError" })
    expect(AlertLimiter.signature("f", named)).toBe(":f:FetchError:x")
    expect(AlertLimiter.signature("f", 42)).toBe(":f:number:42")
    expect(AlertLimiter.signature("f", "plain text")).toBe(":f:string:plain text")
    expect(AlertLimiter.signature("f", { message: "obj" })).toBe(":f:Object:obj")
  })

  it("keeps only the first 100 characters of the message", () => {
    const head = "a".repeat(100)
    expect(AlertLimiter.signature("f", new Error(`${head}TAIL`))).toBe(`:f:Error:${head}`)
  })

  it("never throws on hostile values", () => {
    const throwingToString = {
      toString() {
        throw new Error("no")
      }
    }
    const throwingGetters = new Proxy(
      {},
      {
        get() {
          throw new Error("trap")
        },
        getPrototypeOf() {
          throw new Error("trap")
        }
      }
    )
    const huge = new Error("m".repeat(1024 * 1024))
    expect(AlertLimiter.signature("f", null)).toBe(":f:null:null")
    expect(AlertLimiter.signature("f", undefined)).toBe(":f:undefined:undefined")
    expect(AlertLimiter.signature("f", Object.create(null))).toBe(":f:object:[object Object]")
    expect(AlertLimiter.signature("f", throwingToString)).toBe(":f:Object:[object Object]")
    expect(AlertLimiter.signature("f", throwingGetters)).toMatch(/^:f:object:/)
    expect(AlertLimiter.signature("f", huge)).toHaveLength(":f:Error:".length + 100)
    expect(AlertLimiter.signature("f", Symbol("s"))).toBe(":f:symbol:Symbol(s)")
  })
})

describe("AlertLimiter.layerMemory", () => {
  const error = new Error("test error")
  const ask = AlertLimiter.shouldSendAlert("test_func", error, "test_context")

  it.effect("allows the first alert at clock time 0", () =>
    Effect.gen(function* () {
      expect(yield* TestClockNow).toBe(0)
      expect(yield* ask).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("suppresses within the window: 1 ms before 5 minutes, and allows at exactly 5 minutes", () =>
    Effect.gen(function* () {
      expect(yield* ask).toBe(true)
      yield* TestClock.adjust(Duration.subtract(AlertLimiter.DEFAULT_WINDOW, Duration.millis(1)))
      expect(yield* ask).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* ask).toBe(true)
      expect(yield* ask).toBe(false)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("honours a custom window", () =>
    Effect.gen(function* () {
      expect(yield* ask).toBe(true)
      yield* TestClock.adjust("59 seconds")
      expect(yield* ask).toBe(false)
      yield* TestClock.adjust("1 second")
      expect(yield* ask).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer({ window: "1 minute" })))
  )

  it.effect("reports suppressed counts and the time of the last alert", () =>
    Effect.gen(function* () {
      const key = AlertLimiter.signature("f", error, "c")
      yield* TestClock.adjust("1 second")
      expect(yield* AlertLimiter.check(key)).toEqual({ send: true, suppressed: 0, lastSentAt: undefined })
      expect(yield* AlertLimiter.check(key)).toEqual({ send: false, suppressed: 1, lastSentAt: 1000 })
      expect(yield* AlertLimiter.check(key)).toEqual({ send: false, suppressed: 2, lastSentAt: 1000 })
      yield* TestClock.adjust(AlertLimiter.DEFAULT_WINDOW)
      expect(yield* AlertLimiter.check(key)).toEqual({ send: true, suppressed: 2, lastSentAt: 1000 })
      expect(yield* AlertLimiter.check(key)).toEqual({ send: false, suppressed: 1, lastSentAt: 301_000 })
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("gives exactly one true to 10,000 concurrent fibers", () =>
    Effect.gen(function* () {
      const results = yield* Effect.all(
        Array.from({ length: 10_000 }, () => ask),
        { concurrency: "unbounded" }
      )
      expect(results.filter((sent) => sent)).toHaveLength(1)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("never holds more than maxEntries after 100,000 distinct signatures", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 100_000; i++) {
        yield* AlertLimiter.shouldSendAlert("f", new Error(`distinct ${i}`))
      }
      expect(yield* AlertLimiter.size).toBe(1_000)
    }).pipe(Effect.provide(AlertLimiter.layer({ maxEntries: 1_000 })))
  )

  it.effect("drops the oldest entries first when full", () =>
    Effect.gen(function* () {
      const at = (i: number) => AlertLimiter.shouldSendAlert("f", new Error(`e${i}`))
      yield* at(1)
      yield* TestClock.adjust("1 second")
      yield* at(2)
      yield* TestClock.adjust("1 second")
      yield* at(3) // evicts e1, the oldest
      expect(yield* AlertLimiter.size).toBe(2)
      expect(yield* at(2)).toBe(false)
      expect(yield* at(3)).toBe(false)
      expect(yield* at(1)).toBe(true) // forgotten, so allowed again (and evicts e2)
      expect(yield* at(3)).toBe(false)
    }).pipe(Effect.provide(AlertLimiter.layer({ maxEntries: 2 })))
  )

  it.effect("reset forgets every signature", () =>
    Effect.gen(function* () {
      expect(yield* ask).toBe(true)
      expect(yield* AlertLimiter.size).toBe(1)
      yield* AlertLimiter.reset
      expect(yield* AlertLimiter.size).toBe(0)
      expect(yield* ask).toBe(true)
      yield* AlertLimiter.reset
      expect(yield* ask).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("gives every build of the layer its own state", () =>
    Effect.gen(function* () {
      const layer = AlertLimiter.layer()
      expect(yield* Effect.provide(ask, layer)).toBe(true)
      expect(yield* Effect.provide(ask, layer)).toBe(true)
      expect(yield* Effect.provide(ask, AlertLimiter.layer())).toBe(true)
      expect(yield* Effect.provide(ask, AlertLimiter.layer())).toBe(true)
    })
  )

  it("rejects invalid options when the layer is built, naming the option", () => {
    expect(() => AlertLimiter.layer({ window: 0 })).toThrow(/"window"/)
    expect(() => AlertLimiter.layer({ window: "-5 minutes" })).toThrow(/"window"/)
    expect(() => AlertLimiter.layer({ window: Number.NaN })).toThrow(/"window"/)
    expect(() => AlertLimiter.layer({ window: Duration.infinity })).toThrow(/"window"/)
    expect(() => AlertLimiter.layer({ maxEntries: 0 })).toThrow(/"maxEntries"/)
    expect(() => AlertLimiter.layer({ maxEntries: 1.5 })).toThrow(/"maxEntries"/)
    expect(() => AlertLimiter.layer({ maxEntries: Number.NaN })).toThrow(AlertLimiter.InvalidOptionError)
  })
})

const TestClockNow = Effect.clockWith((clock) => clock.currentTimeMillis)

describe("the channel ceiling", () => {
  const distinct = (i: number) => new Error(`failure ${i}`)

  it.effect(
    "sends at most `ceiling` alerts per minute across signatures, and reports what it held back",
    () =>
      Effect.gen(function* () {
        const results: Array<boolean> = []
        for (let i = 0; i < 5; i++)
          results.push(
            yield* Alert.sendRateLimited({
              name: "f",
              error: distinct(i),
              context: "",
              message: `alert ${i}`
            })
          )
        expect(results).toEqual([true, true, true, false, false])
        yield* TestClock.adjust("59 seconds")
        expect(
          yield* Alert.sendRateLimited({ name: "f", error: distinct(5), context: "", message: "alert 5" })
        ).toBe(false)
        yield* TestClock.adjust("1 second")
        expect(
          yield* Alert.sendRateLimited({ name: "f", error: distinct(6), context: "", message: "alert 6" })
        ).toBe(true)
        const sent = yield* NotifierTest.sent
        expect(sent.map((alert) => alert.text.split("\n")[0])).toEqual([
          "alert 0",
          "alert 1",
          "alert 2",
          "alert 6"
        ])
        expect(sent[3]!.text).toContain("3 other alerts were held back by the channel ceiling")
        expect((sent[3] as Alert.Firing).heldBack).toBe(3)
        // The count starts again after it is reported.
        expect(
          yield* Alert.sendRateLimited({ name: "f", error: distinct(7), context: "", message: "alert 7" })
        ).toBe(true)
        expect((yield* NotifierTest.sent)[4]!.text).toBe("alert 7")
      }).pipe(Effect.provide(Layer.merge(AlertLimiter.layer({ ceiling: 3 }), NotifierTest.layer())))
  )

  it.effect("is a sliding minute: each slot frees a minute after its own alert", () =>
    Effect.gen(function* () {
      expect((yield* AlertLimiter.admit).admitted).toBe(true)
      yield* TestClock.adjust("30 seconds")
      expect((yield* AlertLimiter.admit).admitted).toBe(true)
      expect(yield* AlertLimiter.admit).toEqual({ admitted: false, heldBack: 1 })
      yield* TestClock.adjust("30 seconds") // the first slot is a minute old
      expect(yield* AlertLimiter.admit).toEqual({ admitted: true, heldBack: 1 })
      expect((yield* AlertLimiter.admit).admitted).toBe(false)
    }).pipe(Effect.provide(AlertLimiter.layer({ ceiling: 2 })))
  )

  it.effect("defaults to 20 per minute, and 0 turns it off", () =>
    Effect.gen(function* () {
      const admitted = (layer: ReturnType<typeof AlertLimiter.layerMemory>) =>
        Effect.provide(
          Effect.map(
            Effect.replicateEffect(AlertLimiter.admit, 100),
            (all) => all.filter((a) => a.admitted).length
          ),
          layer
        )
      expect(yield* admitted(AlertLimiter.layer())).toBe(AlertLimiter.DEFAULT_CEILING)
      expect(yield* admitted(AlertLimiter.layer({ ceiling: 0 }))).toBe(100)
    })
  )

  it("rejects a ceiling that is not a whole number >= 0", () => {
    expect(() => AlertLimiter.layer({ ceiling: -1 })).toThrow(/"ceiling"/)
    expect(() => AlertLimiter.layer({ ceiling: 2.5 })).toThrow(/"ceiling"/)
  })
})
