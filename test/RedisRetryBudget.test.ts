/**
 * The retry budget shared through Redis: two budgets on one server (two processes) stay within
 * the shared budget, with the documented lag; key layout and TTLs; outages (closed port, server
 * stopped and restarted, wrong password). Real redis-server processes on 127.0.0.1; time, for the
 * buckets and for the flush loops, is the TestClock's. The contract it shares with the memory
 * budget (one process alone) is RetryBudget.behaviour.ts, run by RetryBudget.shared.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, ConfigProvider, Context, Duration, Effect, Layer, Redacted, TestClock } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll } from "vitest"
import { RetryBudget } from "../src/index.js"
import { budgetKey, LOG_PREFIX, MAX_KEYS_PER_CALL, replicasKey } from "../src/internal/redis/retryBudget.js"
import { TTL_MARGIN_MILLIS } from "../src/internal/redis/scripts.js"
import * as RedisRetryBudget from "../src/RedisRetryBudget.js"
import { startChild } from "./support/child.js"
import { type Compiled, compileForNode } from "./support/compileForNode.js"
import { configErrorOf } from "./support/exits.js"
import { captureLogs } from "./support/logs.js"
import {
  expectUrlRefused,
  ownRedisServer,
  redisClient,
  redisTestUrl,
  scriptCalls,
  uniquePrefix
} from "./support/redis.js"
import { freePort, startRedisServer } from "./support/redisServer.js"

const FLUSH_MILLIS = 100

const buildBudget = <E>(layer: Layer.Layer<RetryBudget.RetryBudget, E>) =>
  Effect.map(Layer.build(layer), Context.get(RetryBudget.RetryBudget))

const sleepsAt = (at: number) =>
  Effect.map(TestClock.sleeps(), (sleeps) => Chunk.size(Chunk.filter(sleeps, (time) => time === at)))

/** Waits until `count` fibers sleep on the TestClock until `at` (flush loops done flushing). */
const awaitSleeps = (at: number, count: number) =>
  Effect.yieldNow().pipe(
    Effect.zipRight(sleepsAt(at)),
    Effect.repeat({ until: (sleeping) => sleeping >= count })
  )

/**
 * Builds a budget, and waits until its flush loop sleeps until its first flush (it starts on a
 * fiber of its own), so that the tests move the TestClock past a known sleep.
 */
const started = <E>(layer: Layer.Layer<RetryBudget.RetryBudget, E>, flushInterval: Duration.DurationInput) =>
  Effect.gen(function* () {
    const firstFlush = (yield* Clock.currentTimeMillis) + Duration.toMillis(flushInterval)
    const before = yield* sleepsAt(firstFlush)
    const budget = yield* buildBudget(layer)
    yield* awaitSleeps(firstFlush, before + 1)
    return budget
  })

const budgetAt = (url: string, options: RedisRetryBudget.Options = {}) =>
  started(
    RedisRetryBudget.layer({ url: Redacted.make(url), ...options }),
    options.flushInterval ?? FLUSH_MILLIS
  )

/**
 * Two flush rounds, each after asking every budget for `key`'s status (which has it read at the
 * next flush): whichever budget flushed first in a round has read the others' counts by the end
 * of the second.
 */
const exchange = (key: string, budgets: ReadonlyArray<RetryBudget.RetryBudgetService>) =>
  Effect.gen(function* () {
    for (let round = 0; round < 2; round++) {
      for (const budget of budgets) budget.status(key)
      yield* flushRound(budgets.length)
    }
  })

/**
 * Moves the TestClock by one flush interval and waits until the `loops` flush loops (one per
 * budget built, all sleeping until now + interval) have flushed and sleep again. It counts the
 * sleeps due at now + 2 × interval: a bucket timer sleeping until then counts too, so a test whose
 * bucket boundaries fall there adds its timers to `loops`.
 */
const flushRound = (loops: number, interval = FLUSH_MILLIS) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    yield* TestClock.adjust(interval)
    yield* awaitSleeps(now + 2 * interval, loops)
  })

/** Asks for `n` retries; how many were allowed. */
const withdrawN = (budget: RetryBudget.RetryBudgetService, key: string, n: number) => {
  let allowed = 0
  for (let i = 0; i < n; i++) if (budget.tryWithdraw(key)) allowed++
  return allowed
}

/** The counts of lane `d` or `w` stored in Redis for `key`, all buckets summed. */
const storedCount = (client: Redis, prefix: string, key: string, lane: "d" | "w") =>
  Effect.map(
    Effect.promise(() => client.hgetall(budgetKey(prefix, key))),
    (fields) =>
      Object.entries(fields)
        .filter(([field]) => field.startsWith(lane))
        .reduce((sum, [, value]) => sum + Number(value), 0)
  )

const budgetLogs = () => {
  const { lines, layer } = captureLogs()
  const warnings = () => lines.filter((line) => line.level === "WARN" && line.message.startsWith(LOG_PREFIX))
  const infos = () => lines.filter((line) => line.level === "INFO" && line.message.startsWith(LOG_PREFIX))
  return { lines, layer, warnings, infos }
}

// 10 retries per window in all, whatever the first attempts: easy to count.
const tenPerWindow = { percent: 0, minPerSecond: 1, window: "10 seconds" } as const

describe("RedisRetryBudget.layer options", () => {
  it("rejects invalid options when the layer is written, naming the option", () => {
    const url = Redacted.make("redis://127.0.0.1:6379")
    for (const [option, options] of [
      ["prefix", { prefix: "" }],
      ["flushInterval", { flushInterval: 0 }],
      ["timeout", { timeout: "-1 millis" }],
      ["percent", { percent: 101 }],
      ["minPerSecond", { minPerSecond: -1 }],
      ["window", { window: Number.NaN }],
      ["maxKeys", { maxKeys: 0 }]
    ] as const) {
      let thrown: unknown
      try {
        RedisRetryBudget.layer({ url, ...options })
      } catch (error) {
        thrown = error
      }
      expect(thrown, option).toBeInstanceOf(RedisRetryBudget.InvalidOptionError)
      expect((thrown as RedisRetryBudget.InvalidOptionError).option).toBe(option)
    }
    expect(() => RedisRetryBudget.layerConfig({ flushInterval: "never" as never })).toThrow(/"flushInterval"/)
  })

  it("rejects a URL that is not redis:// or not Redacted without showing it", () => {
    expectUrlRefused((url) => RedisRetryBudget.layer({ url }))
  })
})

describe("RedisRetryBudget.layerConfig", () => {
  it.scoped("reads REDIS_URL and shares the counts in Redis", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const budget = yield* started(RedisRetryBudget.layerConfig({ prefix }), FLUSH_MILLIS).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", redisTestUrl()]])))
      )
      budget.deposit("billing")
      yield* flushRound(1)
      const client = yield* redisClient(redisTestUrl())
      expect(yield* storedCount(client, prefix, "billing", "d")).toBe(1)
    })
  )

  it.scoped("fails with a ConfigError, without the secret, when REDIS_URL is missing or invalid", () =>
    Effect.gen(function* () {
      const build = (entries: Array<[string, string]>) =>
        Effect.exit(
          Layer.build(RedisRetryBudget.layerConfig()).pipe(
            Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries)))
          )
        )
      // Missing: a MissingData error at REDIS_URL.
      expect(configErrorOf(yield* build([]))).toMatchObject({ _op: "MissingData", path: ["REDIS_URL"] })
      // Invalid: the validation's InvalidData, naming the variable and not its value.
      const invalid = configErrorOf(yield* build([["REDIS_URL", "http://user:s3cret@127.0.0.1"]]))
      expect(invalid).toMatchObject({
        _op: "InvalidData",
        message: "REDIS_URL must be a Redacted redis:// or rediss:// URL (the value is secret and not shown)"
      })
      expect(String(invalid)).not.toContain("s3cret")
    })
  )
})

describe("RedisRetryBudget.layer sharing", () => {
  it.scoped(
    "two processes on one server stay within the shared budget, each spending its share between flushes",
    () =>
      Effect.gen(function* () {
        const logs = budgetLogs()
        const prefix = uniquePrefix()
        const client = yield* redisClient(redisTestUrl())
        const body = Effect.gen(function* () {
          const a = yield* budgetAt(redisTestUrl(), { prefix, ...tenPerWindow })
          const b = yield* budgetAt(redisTestUrl(), { prefix, ...tenPerWindow })
          // Once each has flushed (and counted the replicas registered), each may spend at most its
          // share of what is left between two flushes: together the reserve of 10, all of it over a
          // few flushes, and at most one more (N - 1: a fractional share is rounded up at random).
          yield* exchange("billing", [a, b])
          let allowed = 0
          for (let round = 0; round < 20; round++) {
            const spentA = withdrawN(a, "billing", 10)
            const spentB = withdrawN(b, "billing", 10)
            expect(Math.max(spentA, spentB)).toBeLessThanOrEqual(5)
            allowed += spentA + spentB
            expect(allowed).toBeLessThanOrEqual(11)
            yield* exchange("billing", [a, b])
          }
          expect(allowed).toBeGreaterThanOrEqual(10)
          expect(a.status("billing").withdrawals).toBe(allowed)
          expect(b.status("billing").withdrawals).toBe(allowed)
          expect(yield* storedCount(client, prefix, "billing", "w")).toBe(allowed)

          // Another key has a budget of its own, shared too: b spends its share; a, which never
          // used the key, reads b's counts from its first flush after asking.
          const search = withdrawN(b, "search", 10)
          expect(search).toBeGreaterThan(0)
          expect(search).toBeLessThanOrEqual(5)
          expect(a.status("search")).toEqual({ deposits: 0, withdrawals: 0, refusedLastMinute: 0 })
          yield* exchange("search", [a, b])
          expect(a.status("search").withdrawals).toBe(search)
        })
        yield* Effect.provide(body, logs.layer)
        expect(logs.warnings()).toEqual([])
      })
  )

  it.scoped("the lag: another process's retries count here from this process's next flush after them", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      // Different intervals, so that the order of the flushes is known: a at 100, b at 150.
      const a = yield* budgetAt(redisTestUrl(), { prefix, ...tenPerWindow, flushInterval: "100 millis" })
      const b = yield* budgetAt(redisTestUrl(), { prefix, ...tenPerWindow, flushInterval: "150 millis" })
      expect(withdrawN(a, "billing", 10)).toBe(10)
      // b has not heard of them: within the lag, it allows retries past the shared budget.
      expect(b.tryWithdraw("billing")).toBe(true)

      yield* TestClock.adjust("100 millis")
      yield* awaitSleeps(200, 1) // a has flushed its 10
      expect(b.tryWithdraw("billing")).toBe(true) // b has not flushed yet
      expect(b.status("billing").withdrawals).toBe(2)

      yield* TestClock.adjust("50 millis")
      yield* awaitSleeps(300, 1) // b has flushed its 2 and read a's 10
      expect(b.status("billing").withdrawals).toBe(12)
      expect(b.tryWithdraw("billing")).toBe(false)

      a.status("billing")
      yield* TestClock.adjust("50 millis")
      yield* awaitSleeps(300, 2) // a has flushed again and read b's 2
      expect(a.status("billing").withdrawals).toBe(12)
      expect(a.tryWithdraw("billing")).toBe(false)
    })
  )

  it.scoped("a key this process dropped (maxKeys) gets its counts back from Redis, unlike in memory", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const budget = yield* budgetAt(redisTestUrl(), { prefix, ...tenPerWindow, maxKeys: 1 })
      expect(withdrawN(budget, "billing", 4)).toBe(4)
      yield* flushRound(1)
      budget.deposit("search") // drops billing here; its 4 retries stay in Redis
      expect(budget.size!()).toBe(1)
      expect(budget.status("billing")).toEqual({ deposits: 0, withdrawals: 0, refusedLastMinute: 0 })
      // Known here again, it is decided on this process's counts until the next flush reads Redis.
      expect(budget.tryWithdraw("billing")).toBe(true)
      yield* flushRound(1)
      expect(budget.status("billing")).toEqual({ deposits: 0, withdrawals: 5, refusedLastMinute: 0 })
      expect(withdrawN(budget, "billing", 10)).toBe(5)
    })
  )

  it.scoped("deposits are shared: one process's first attempts make room for another's retries", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const options = { prefix, percent: 50, minPerSecond: 0 }
      const a = yield* budgetAt(redisTestUrl(), options)
      const b = yield* budgetAt(redisTestUrl(), options)
      for (let i = 0; i < 10; i++) a.deposit("billing")
      expect(b.tryWithdraw("billing")).toBe(false)
      yield* exchange("billing", [a, b])
      // a's 10 first attempts allow 5 retries in all; between two flushes b spends its share of
      // them, and the rest over the next flushes.
      let allowed = 0
      for (let round = 0; round < 20; round++) {
        allowed += withdrawN(b, "billing", 10)
        // At most one more than the 5 (N - 1, a share rounded up at random).
        expect(allowed).toBeLessThanOrEqual(6)
        yield* exchange("billing", [a, b])
      }
      expect(allowed).toBeGreaterThanOrEqual(5)
    })
  )

  it.scoped("the window slides in Redis too: old buckets leave, and are deleted from the hash", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      // Buckets of 100 ms: one bucket per flush round.
      const budget = yield* budgetAt(redisTestUrl(), { prefix, window: "1 second" })
      const client = yield* redisClient(redisTestUrl())
      for (let round = 0; round < 15; round++) {
        budget.deposit("billing")
        // Two sleeps end at the next boundary: the flush loop's, once it has flushed, and the
        // bucket timer's (a deposit each round keeps it ticking). Waiting for one would not wait
        // for the flush.
        yield* flushRound(2)
      }
      // The last flush, at 1.5 s, sees buckets 6 to 15: the deposits made at 0.6 s to 1.4 s.
      const fields = yield* Effect.promise(() => client.hgetall(budgetKey(prefix, "billing")))
      expect(Object.keys(fields).sort()).toEqual(["d10", "d11", "d12", "d13", "d14", "d6", "d7", "d8", "d9"])
      expect(budget.status("billing").deposits).toBe(9)
    })
  )

  it.scoped("every key has a TTL of window + margin", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const budget = yield* budgetAt(redisTestUrl(), { prefix, window: "30 seconds" })
      const client = yield* redisClient(redisTestUrl())
      budget.deposit("billing")
      budget.tryWithdraw("search")
      yield* flushRound(1)
      // The two keys, and the registry of replicas.
      expect((yield* Effect.promise(() => client.keys(`${prefix}*`))).sort()).toEqual(
        [budgetKey(prefix, "billing"), budgetKey(prefix, "search"), replicasKey(prefix)].sort()
      )
      for (const key of ["billing", "search"]) {
        const ttl = yield* Effect.promise(() => client.pttl(budgetKey(prefix, key)))
        expect(ttl).toBeGreaterThan(30_000)
        expect(ttl).toBeLessThanOrEqual(30_000 + TTL_MARGIN_MILLIS)
      }
      expect(budgetKey(prefix, "billing")).toMatch(new RegExp(`^${prefix}budget:\\{[0-9a-f]{64}\\}$`))
    })
  )

  it.scoped("one round trip per flush for the keys used since the last one; none when idle", () =>
    Effect.gen(function* () {
      const server = yield* ownRedisServer()
      const client = yield* redisClient(server.url)
      const budget = yield* budgetAt(server.url)
      const before = yield* scriptCalls(client)
      for (let i = 0; i < 100; i++) {
        for (let call = 0; call < 50; call++) budget.deposit(`key-${i}`)
        budget.tryWithdraw(`key-${i}`)
      }
      yield* flushRound(1)
      expect((yield* scriptCalls(client)) - before).toBe(1)
      yield* flushRound(1)
      yield* flushRound(1)
      expect((yield* scriptCalls(client)) - before).toBe(1)
      // More keys than one call carries: several calls in one flush, every key shared.
      const keys = MAX_KEYS_PER_CALL * 2 + 1
      for (let i = 0; i < keys; i++) budget.deposit(`many-${i}`)
      yield* flushRound(1)
      expect((yield* scriptCalls(client)) - before).toBe(4)
      // The keys, and the registry of replicas.
      expect(yield* Effect.promise(() => client.dbsize())).toBe(100 + keys + 1)
    })
  )
})

describe("RedisRetryBudget.layer outages", () => {
  it.scoped(
    "Redis down at build: builds, local budget, one warning per window, then Redis once it is up",
    () =>
      Effect.gen(function* () {
        const logs = budgetLogs()
        const password = "hunter2-secret"
        const port = yield* Effect.promise(() => freePort())
        const url = `redis://:${password}@127.0.0.1:${port}`
        const body = Effect.gen(function* () {
          const budget = yield* budgetAt(url, tenPerWindow)
          // This process's own budget decides.
          expect(withdrawN(budget, "billing", 12)).toBe(10)
          yield* flushRound(1)
          expect(logs.warnings()).toHaveLength(1)
          expect(logs.warnings()[0]!.message).toContain("ECONNREFUSED")
          for (let round = 0; round < 5; round++) yield* flushRound(1)
          expect(logs.warnings()).toHaveLength(1)
          expect(budget.tryWithdraw("billing")).toBe(false)

          // Redis comes up on that port: the next flush shares the counts kept meanwhile.
          yield* ownRedisServer({ port, args: ["--requirepass", password] })
          yield* flushRound(1)
          const client = yield* redisClient(url)
          expect(yield* storedCount(client, "retry-alerts:", "billing", "w")).toBe(10)
          expect(logs.infos().map((line) => line.message)).toEqual([
            `${LOG_PREFIX}: Redis answers again; decisions are shared again`
          ])
        })
        yield* Effect.provide(body, logs.layer)
        expect(logs.warnings()).toHaveLength(1)
        expect(logs.lines.map((line) => line.text).join("\n")).not.toContain(password)
      })
  )

  it.scoped("the warning comes again after a window of outage", () =>
    Effect.gen(function* () {
      const logs = budgetLogs()
      const port = yield* Effect.promise(() => freePort())
      const body = Effect.gen(function* () {
        const budget = yield* budgetAt(`redis://127.0.0.1:${port}`, { window: "1 second" })
        for (let round = 0; round < 12; round++) {
          budget.deposit("billing")
          yield* flushRound(1)
        }
      })
      yield* Effect.provide(body, logs.layer)
      // Flushes at 0.1 s (warned), 0.2 s to 1 s (quiet), 1.1 s (warned again), 1.2 s.
      expect(logs.warnings()).toHaveLength(2)
    })
  )

  it.scoped("server stopped then restarted: local budget meanwhile, one warning, then Redis again", () =>
    Effect.gen(function* () {
      const logs = budgetLogs()
      const first = yield* Effect.promise(() => startRedisServer())
      yield* Effect.addFinalizer(() => Effect.promise(() => first.stop()))
      const body = Effect.gen(function* () {
        const budget = yield* budgetAt(first.url, tenPerWindow)
        expect(withdrawN(budget, "billing", 4)).toBe(4)
        yield* flushRound(1)
        const client = yield* redisClient(first.url)
        expect(yield* storedCount(client, "retry-alerts:", "billing", "w")).toBe(4)
        yield* Effect.promise(() => client.quit())

        yield* Effect.promise(() => first.stop())
        expect(withdrawN(budget, "billing", 3)).toBe(3)
        yield* flushRound(1)
        yield* flushRound(1)
        expect(logs.warnings()).toHaveLength(1)
        // Still the same budget: 4 shared before, 3 kept here, 3 left.
        expect(withdrawN(budget, "billing", 5)).toBe(3)

        // A fresh server (nothing persisted): the counts kept during the outage go to it.
        const second = yield* ownRedisServer({ port: first.port })
        yield* flushRound(1)
        const fresh = yield* redisClient(second.url)
        expect(yield* storedCount(fresh, "retry-alerts:", "billing", "w")).toBe(6)
        expect(budget.status("billing").withdrawals).toBe(6)
        expect(logs.infos()).toHaveLength(1)
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.warnings()).toHaveLength(1)
    })
  )

  it.scoped("a wrong password: local budget, a warning that shows no password", () =>
    Effect.gen(function* () {
      const logs = budgetLogs()
      const server = yield* ownRedisServer({ args: ["--requirepass", "right-pass-word"] })
      const body = Effect.gen(function* () {
        const wrong = yield* budgetAt(`redis://:wrong-pass-word@127.0.0.1:${server.port}`, tenPerWindow)
        expect(withdrawN(wrong, "billing", 11)).toBe(10)
        yield* flushRound(1)
        expect(logs.warnings()).toHaveLength(1)
        expect(logs.warnings()[0]!.message).toMatch(/WRONGPASS|NOAUTH/)
      })
      yield* Effect.provide(body, logs.layer)
      const logged = logs.lines.map((line) => line.text).join("\n")
      expect(logged).not.toContain("wrong-pass-word")
      expect(logged).not.toContain("right-pass-word")
    })
  )
})

describe("RedisRetryBudget.layer across processes", () => {
  let compiled: Compiled
  beforeAll(() => {
    compiled = compileForNode(["test/fixtures/budgetChild.ts"])
  })
  afterAll(() => compiled?.remove())

  const PROCESSES = 4
  const ASKS = 150
  const PACE_MILLIS = 10
  const FLUSH_INTERVAL_MILLIS = 50
  // The shared budget: minPerSecond 10 over 10 seconds, percent 0.
  const SHARED = 100

  const startReplica = (url: string, prefix: string, key: string) =>
    startChild(compiled.path("test/fixtures/budgetChild.ts"), [
      url,
      prefix,
      key,
      String(ASKS),
      String(PACE_MILLIS),
      String(FLUSH_INTERVAL_MILLIS)
    ])

  it("4 processes asking for retries together stay within the shared budget, give or take the lag", {
    timeout: 60_000
  }, async () => {
    const url = redisTestUrl()
    const prefix = uniquePrefix()
    const replicas = Array.from({ length: PROCESSES }, () => startReplica(url, prefix, "billing"))
    for (const replica of replicas) expect(await replica.nextLine()).toBe("ready")
    for (const replica of replicas) replica.child.stdin?.end("go\n")
    const results = await Promise.all(
      replicas.map(
        async (replica) => JSON.parse(await replica.nextLine()) as { allowed: number; warnings: number }
      )
    )
    expect(await Promise.all(replicas.map((replica) => replica.exitCode))).toEqual(Array(PROCESSES).fill(0))
    expect(results.map((result) => result.warnings)).toEqual(Array(PROCESSES).fill(0))
    const allowed = results.reduce((total, result) => total + result.allowed, 0)
    // Each process may spend, within the lag (2 flush intervals plus a round trip, taken here as
    // 4 intervals for timers on a loaded machine), what it believes is left: one ask per pace.
    const lagAsks = Math.ceil((4 * FLUSH_INTERVAL_MILLIS) / PACE_MILLIS)
    expect(allowed).toBeGreaterThanOrEqual(SHARED)
    expect(allowed).toBeLessThanOrEqual(SHARED + PROCESSES * lagAsks)
    // Without sharing, each process would have allowed its own 100.
    expect(allowed).toBeLessThan(PROCESSES * SHARED)

    const client = new Redis(url)
    try {
      const fields = await client.hgetall(budgetKey(prefix, "billing"))
      const stored = Object.entries(fields)
        .filter(([field]) => field.startsWith("w"))
        .reduce((sum, [, value]) => sum + Number(value), 0)
      expect(stored).toBe(allowed)
      const ttl = await client.pttl(budgetKey(prefix, "billing"))
      expect(ttl).toBeGreaterThan(10_000)
      expect(ttl).toBeLessThanOrEqual(10_000 + TTL_MARGIN_MILLIS)
    } finally {
      await client.quit()
    }
  })
})
