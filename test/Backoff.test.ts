import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Random, Schedule } from "effect"
import { Backoff } from "../src/index.js"

/** The first `n` delays a schedule chooses, in milliseconds. */
const delays = (schedule: Schedule.Schedule<Duration.Duration>, n: number) =>
  Schedule.run(
    Schedule.delays(schedule),
    0,
    Array.from({ length: n }, () => undefined)
  ).pipe(Effect.map((out) => Chunk.toReadonlyArray(out).map(Duration.toMillis)))

describe("Backoff.exponentialDelayMillis", () => {
  it("is tenacity's initial * 2^n + U(0, jitter) below the cap", () => {
    expect(Backoff.exponentialDelayMillis(0, 0, 1000, 30_000, 1000)).toBe(1000)
    expect(Backoff.exponentialDelayMillis(0, 0.5, 1000, 30_000, 1000)).toBe(1500)
    expect(Backoff.exponentialDelayMillis(3, 0.25, 1000, 30_000, 1000)).toBe(8250)
  })

  it("never exceeds maxWait, jitter included, and stays random at the cap", () => {
    expect(Backoff.exponentialDelayMillis(10, 0, 1000, 30_000, 1000)).toBe(29_000)
    expect(Backoff.exponentialDelayMillis(10, 0.999, 1000, 30_000, 1000)).toBeCloseTo(29_999, 0)
    expect(Backoff.exponentialDelayMillis(5000, 0.5, 1000, 30_000, 1000)).toBe(29_500)
  })

  it("keeps capped delays in the top half of maxWait when jitter is larger than the cap", () => {
    expect(Backoff.exponentialDelayMillis(0, 0, 1000, 100, 1000)).toBe(50)
    expect(Backoff.exponentialDelayMillis(0, 0.999, 1000, 100, 1000)).toBeCloseTo(99.95, 1)
  })
})

describe("Backoff.exponential", () => {
  it.effect("doubles from initial and adds jitter drawn from Random", () =>
    Effect.gen(function* () {
      const result = yield* delays(Backoff.exponential({ maxWait: "1 minute" }), 5).pipe(
        Effect.withRandom(Random.fixed([0.5]))
      )
      expect(result).toEqual([1500, 2500, 4500, 8500, 16_500])
    })
  )

  it.effect("never exceeds maxWait, and capped delays differ from each other", () =>
    Effect.gen(function* () {
      const result = yield* delays(Backoff.exponential({ initial: "100 millis", maxWait: "2 seconds" }), 200)
      for (const delay of result) {
        expect(delay).toBeGreaterThan(0)
        expect(delay).toBeLessThanOrEqual(2000)
      }
      const capped = result.slice(20)
      expect(capped.every((delay) => delay >= 1000)).toBe(true)
      expect(new Set(capped).size).toBeGreaterThan(100)
    })
  )

  it.effect("accepts zero jitter: a plain capped exponential", () =>
    Effect.gen(function* () {
      const result = yield* delays(
        Backoff.exponential({ initial: "10 millis", maxWait: "50 millis", jitter: 0 }),
        5
      )
      expect(result).toEqual([10, 20, 40, 50, 50])
    })
  )

  it("rejects invalid options, naming the option", () => {
    expect(() => Backoff.exponential({ maxWait: 0 })).toThrow(/"maxWait"/)
    expect(() => Backoff.exponential({ maxWait: Duration.infinity })).toThrow(/"maxWait"/)
    expect(() => Backoff.exponential({ maxWait: "1 second", initial: -1 })).toThrow(/"initial"/)
    expect(() => Backoff.exponential({ maxWait: "1 second", jitter: Number.NaN })).toThrow(/"jitter"/)
    expect(() => Backoff.exponential({ maxWait: "soon" as Duration.DurationInput })).toThrow(
      Backoff.InvalidOptionError
    )
  })
})
