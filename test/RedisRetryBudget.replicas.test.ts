/**
 * The Redis retry budget across replicas: the reserve is shared, not granted to each replica
 * (each spends its share of what is left between two flushes), the replicas registry, the status
 * of a key this process never used, and cluster-safe keys. Budgets built in one test process on
 * the shared redis-server are the "replicas" of the TestClock tests; the cross-process test runs
 * real Node processes on the real clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Context, Effect, Exit, Layer, Random, Redacted, Scope, TestClock } from "effect"
import { afterAll, beforeAll, inject } from "vitest"
import { RetryBudget } from "../src/index.js"
import {
  batchesOf,
  budgetKey,
  LOG_PREFIX,
  MAX_KEYS_PER_CALL,
  make as makeInternal,
  settings as redisSettings,
  replicasKey,
  withinShare
} from "../src/internal/redis/retryBudget.js"
import { settings as budgetSettings } from "../src/internal/retryBudget.js"
import * as RedisRetryBudget from "../src/RedisRetryBudget.js"
import { startChild } from "./support/child.js"
import { type Compiled, compileForNode } from "./support/compileForNode.js"
import { captureLogs } from "./support/logs.js"
import { ownRedisServer, redisClient, redisTestUrl, uniquePrefix } from "./support/redis.js"

const FLUSH_MILLIS = 100

const sleepsAt = (at: number) =>
  Effect.map(TestClock.sleeps(), (sleeps) => Chunk.size(Chunk.filter(sleeps, (time) => time === at)))

/** Waits until `count` fibers sleep on the TestClock until `at` (flush loops done flushing). */
const awaitSleeps = (at: number, count: number) =>
  Effect.yieldNow().pipe(
    Effect.zipRight(sleepsAt(at)),
    Effect.repeat({ until: (sleeping) => sleeping >= count })
  )

/**
 * A replica: a budget on the shared server (or `url`), built with a Random of its own (the
 * rounding of its shares), once its flush loop sleeps until its first flush.
 */
const replica = (
  prefix: string,
  seed: number,
  options: RedisRetryBudget.Options = {},
  url = redisTestUrl()
) =>
  Effect.gen(function* () {
    const firstFlush = (yield* Clock.currentTimeMillis) + FLUSH_MILLIS
    const before = yield* sleepsAt(firstFlush)
    const context = yield* Layer.build(
      RedisRetryBudget.layer({ url: Redacted.make(url), prefix, ...options })
    ).pipe(Effect.withRandom(Random.make(seed)))
    yield* awaitSleeps(firstFlush, before + 1)
    return Context.get(context, RetryBudget.RetryBudget)
  })

/**
 * Moves the TestClock by one flush interval and waits until the `loops` flush loops have flushed
 * and sleep again.
 */
const flushRound = (loops: number) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    yield* TestClock.adjust(FLUSH_MILLIS)
    yield* awaitSleeps(now + 2 * FLUSH_MILLIS, loops)
  })

/** Flush rounds until every replica registered again (once a bucket while idle: 1 s by default). */
const everyoneRegistered = (loops: number) =>
  Effect.gen(function* () {
    for (let round = 0; round < 10; round++) yield* flushRound(loops)
  })

/** Asks for `n` retries; how many were allowed. */
const withdrawN = (budget: RetryBudget.RetryBudgetService, key: string, n: number) => {
  let allowed = 0
  for (let i = 0; i < n; i++) if (budget.tryWithdraw(key)) allowed++
  return allowed
}

/** Two flush rounds after asking every budget for `key`'s status: each has read everyone's. */
const exchange = (key: string, budgets: ReadonlyArray<RetryBudget.RetryBudgetService>) =>
  Effect.gen(function* () {
    for (let round = 0; round < 2; round++) {
      for (const budget of budgets) budget.status(key)
      yield* flushRound(budgets.length)
    }
  })

// 100 retries per window whatever the first attempts: the reserve alone, easy to count.
const reserveOnly = { percent: 0, minPerSecond: 10 } as const

describe("RedisRetryBudget across replicas: the share rule", () => {
  it("a replica may spend its share of what is left; one replica, or one alone, the whole rule", () => {
    const budget = budgetSettings({ percent: 20, minPerSecond: 10, window: "10 seconds" })
    // left = 50 × 20% + 100 - 30 = 80; 4 replicas: 20 each.
    const within = (pending: number, rounding = 0) => withinShare(budget, 50, 30, pending, 4, rounding)
    expect(within(19)).toBe(true)
    expect(within(20)).toBe(false)
    expect(within(20, 0.99)).toBe(false)
    // A share of 20.5 is 20, or 21 half the time.
    const half = budgetSettings({ percent: 0, minPerSecond: 8.2, window: "10 seconds" })
    expect(withinShare(half, 0, 0, 20, 4, 0.49)).toBe(false)
    expect(withinShare(half, 0, 0, 20, 4, 0.5)).toBe(true)
    // One replica: the share is the whole remainder, the rule of the memory budget.
    expect(withinShare(budget, 50, 30, 1_000, 1, 0)).toBe(true)
  })

  it.scoped(
    "4 replicas asking at once get a quarter of the reserve each, the last one built from its first ask",
    () =>
      Effect.gen(function* () {
        const prefix = uniquePrefix()
        const replicas = [
          yield* replica(prefix, 1, reserveOnly),
          yield* replica(prefix, 2, reserveOnly),
          yield* replica(prefix, 3, reserveOnly),
          yield* replica(prefix, 4, reserveOnly)
        ]
        const [a, b, c, d] = replicas as [
          RetryBudget.RetryBudgetService,
          RetryBudget.RetryBudgetService,
          RetryBudget.RetryBudgetService,
          RetryBudget.RetryBudgetService
        ]
        // The last built registered as the fourth before its first decision.
        expect(withdrawN(d, "billing", 100)).toBe(25)
        // The others heard of it at their next registration (a bucket, 1 s, while idle).
        yield* everyoneRegistered(4)
        expect([a, b, c].map((budget) => withdrawN(budget, "billing", 100))).toEqual([25, 25, 25])
        yield* exchange("billing", replicas)
        for (const budget of replicas) expect(budget.status("billing").withdrawals).toBe(100)
        expect(replicas.map((budget) => withdrawN(budget, "billing", 10))).toEqual([0, 0, 0, 0])
      })
  )

  it.scoped("a small remainder is still spent: 2 retries left among 4 replicas, one ask each per flush", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      // A reserve of 2 retries per window: a share of 0.5, which rounding down would strand.
      const options = { percent: 0, minPerSecond: 0.2 } as const
      const replicas: Array<RetryBudget.RetryBudgetService> = []
      for (let seed = 1; seed <= 4; seed++) replicas.push(yield* replica(prefix, seed, options))
      yield* everyoneRegistered(4)
      let allowed = 0
      for (let round = 0; round < 30 && allowed < 2; round++) {
        for (const budget of replicas) {
          budget.status("billing")
          if (budget.tryWithdraw("billing")) allowed++
        }
        yield* flushRound(4)
      }
      // Spent, not stranded; each replica rounds its share on its own, so a round may overshoot
      // by what the others round up too (at most a retry each), never more.
      expect(allowed).toBeGreaterThanOrEqual(2)
      expect(allowed).toBeLessThanOrEqual(replicas.length)
      yield* exchange("billing", replicas)
      expect(replicas.map((budget) => withdrawN(budget, "billing", 5))).toEqual([0, 0, 0, 0])
    })
  )

  it.scoped("a replica whose flush fails decides alone, on its own counts, until Redis answers", () =>
    Effect.gen(function* () {
      const { lines, layer } = captureLogs()
      const server = yield* ownRedisServer()
      const body = Effect.gen(function* () {
        const prefix = uniquePrefix()
        const options = { percent: 0, minPerSecond: 1 } as const // 10 retries per window
        const a = yield* replica(prefix, 1, options, server.url)
        yield* replica(prefix, 2, options, server.url)
        yield* everyoneRegistered(2)
        expect(withdrawN(a, "billing", 10)).toBe(5)
        yield* flushRound(2)
        yield* Effect.promise(() => server.stop())
        // It learns that Redis is gone at its next flush of the key (a status has it read)...
        a.status("billing")
        yield* flushRound(2)
        // ...then, its 5 known spent, the other 5 of the budget are its own to spend.
        expect(withdrawN(a, "billing", 10)).toBe(5)
      })
      yield* Effect.provide(body, layer)
      expect(
        lines.filter((line) => line.level === "WARN" && line.message.startsWith(LOG_PREFIX))
      ).toHaveLength(1)
    })
  )
})

describe("RedisRetryBudget across replicas: the registry", () => {
  it.scoped("one member per replica, a TTL, stale members dropped, a released replica gone at once", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const client = yield* redisClient(redisTestUrl())
      const registry = replicasKey(prefix)
      const members = () => Effect.promise(() => client.zrange(registry, 0, -1))
      yield* replica(prefix, 1)
      // A replica that stopped 20 s ago without leaving (a crash).
      yield* Effect.promise(() => client.zadd(registry, -20_000, "crashed"))
      const scope = yield* Scope.make()
      yield* replica(prefix, 2).pipe(Scope.extend(scope))
      expect(yield* members()).toHaveLength(2) // the crashed one is older than the window
      const ttl = yield* Effect.promise(() => client.pttl(registry))
      expect(ttl).toBeGreaterThan(10_000)

      yield* Scope.close(scope, Exit.void)
      // The release sends its ZREM without waiting for it: the next command of another client
      // comes after it.
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      yield* Effect.iterate(2, {
        while: (count) => count !== 1,
        body: () => Effect.promise(() => client.zcard(registry))
      })
      expect(yield* members()).toHaveLength(1)
    })
  )
})

describe("RedisRetryBudget across replicas: status of a key this process never used", () => {
  it.scoped("returns what this process knows, then, a flush later, everyone's counts", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const a = yield* replica(prefix, 1)
      const b = yield* replica(prefix, 2)
      for (let i = 0; i < 3; i++) a.deposit("billing")
      expect(withdrawN(a, "billing", 7)).toBe(7)
      yield* flushRound(2)
      // b never used the key: it cannot ask Redis now, so it says what it knows...
      expect(b.status("billing")).toEqual({ deposits: 0, withdrawals: 0, refusedLastMinute: 0 })
      // ...and reads the key at its next flush.
      yield* flushRound(2)
      expect(b.status("billing")).toEqual({ deposits: 3, withdrawals: 7, refusedLastMinute: 0 })
    })
  )
})

describe("RedisRetryBudget keys and clusters", () => {
  it("a budget key is hash-tagged on its own hash; a cluster flush sends one key per script call", () => {
    expect(budgetKey("app:", "billing")).toMatch(/^app:budget:\{[0-9a-f]{64}\}$/)
    expect(replicasKey("app:")).toBe("app:replicas")
    const keys = Array.from({ length: MAX_KEYS_PER_CALL * 2 + 1 }, (_, i) => i)
    expect(batchesOf(keys, false).map((batch) => batch.length)).toEqual([
      MAX_KEYS_PER_CALL,
      MAX_KEYS_PER_CALL,
      1
    ])
    const perKey = batchesOf(keys, true)
    expect(perKey).toHaveLength(keys.length)
    expect(perKey.every((batch) => batch.length === 1)).toBe(true)
  })

  it.scoped("on a real Redis Cluster: keys spread over the masters, every count flushed, no warning", () =>
    Effect.gen(function* () {
      const { lines, layer } = captureLogs()
      const nodes = JSON.parse(inject("redisClusterNodes")) as Array<{ host: string; port: number }>
      const prefix = uniquePrefix()
      const body = Effect.gen(function* () {
        const firstFlush = (yield* Clock.currentTimeMillis) + FLUSH_MILLIS
        const budget = yield* makeInternal(redisSettings({ prefix }), {
          _tag: "Nodes",
          nodes: nodes.map(({ host, port }) => Redacted.make(`redis://${host}:${port}`))
        })
        yield* awaitSleeps(firstFlush, 1)
        const keys = Array.from({ length: 20 }, (_, i) => `dependency-${i}`)
        for (const key of keys) {
          budget.deposit(key)
          budget.tryWithdraw(key)
        }
        yield* flushRound(1)
        // Read back from each key's master: each count is there, on more than one master.
        const owners = new Set<number>()
        for (const key of keys) {
          const found = yield* Effect.forEach(nodes, ({ host, port }) =>
            Effect.flatMap(redisClient(`redis://${host}:${port}`), (client) =>
              Effect.promise(() =>
                client.hgetall(budgetKey(prefix, key)).then(
                  (fields) => ({ port, fields }),
                  () => ({ port, fields: {} as Record<string, string> })
                )
              )
            )
          )
          const holder = found.find(({ fields }) => Object.keys(fields).length > 0)
          expect(holder, key).toBeDefined()
          owners.add(holder!.port)
          const total = (lane: string) =>
            Object.entries(holder!.fields)
              .filter(([field]) => field.startsWith(lane))
              .reduce((sum, [, value]) => sum + Number(value), 0)
          expect([total("d"), total("w")]).toEqual([1, 1])
        }
        expect(owners.size).toBeGreaterThan(1)
        expect(budget.status(keys[0]!)).toEqual({ deposits: 1, withdrawals: 1, refusedLastMinute: 0 })
      })
      yield* Effect.provide(body, layer)
      expect(lines.filter((line) => line.level === "WARN")).toEqual([])
    })
  )
})

describe("RedisRetryBudget across processes", () => {
  let compiled: Compiled
  beforeAll(() => {
    compiled = compileForNode(["test/fixtures/sharedBudgetChild.ts"])
  })
  afterAll(() => compiled?.remove())

  const PROCESSES = 4
  const BURST = 50
  const RATE = 10
  const SECONDS = 3

  interface Report {
    readonly deposits: Array<[number, number]>
    readonly allowed: Array<[number, number]>
    readonly refused: Array<[number, number]>
    readonly warnings: number
  }

  const total = (reports: ReadonlyArray<Report>, field: "deposits" | "allowed") =>
    reports.reduce((sum, report) => sum + report[field].reduce((inner, [, count]) => inner + count, 0), 0)

  it("4 processes, 50 calls at once then 10 a second, retrying a failing call: within 1.25x of the shared bound", {
    timeout: 30_000
  }, async () => {
    const prefix = uniquePrefix()
    const children = Array.from({ length: PROCESSES }, () =>
      startChild(compiled.path("test/fixtures/sharedBudgetChild.ts"), [
        redisTestUrl(),
        prefix,
        "redis",
        "dependency",
        String(BURST),
        String(RATE),
        String(SECONDS),
        "-"
      ])
    )
    for (const child of children) expect(await child.nextLine()).toBe("ready")
    // Every replica hears of the others within a bucket of their start (1 s, the idle registration).
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    for (const child of children) child.child.stdin!.end("go\n")
    const reports = await Promise.all(
      children.map(async (child) => JSON.parse(await child.nextLine()) as Report)
    )
    expect(await Promise.all(children.map((child) => child.exitCode))).toEqual(Array(PROCESSES).fill(0))
    expect(reports.map((report) => report.warnings)).toEqual(Array(PROCESSES).fill(0))

    // The run is shorter than the window: one window holds every count, and the shared budget
    // over it is 20% of every first attempt plus the reserve of 100.
    const seconds = reports.flatMap((report) =>
      [...report.deposits, ...report.allowed].map(([second]) => second)
    )
    expect(Math.max(...seconds) - Math.min(...seconds)).toBeLessThan(10)
    const deposits = total(reports, "deposits")
    expect(deposits).toBe(PROCESSES * (BURST + RATE * SECONDS))
    const bound = deposits * 0.2 + 100
    const allowed = total(reports, "allowed")
    expect(allowed).toBeLessThanOrEqual(1.25 * bound)
    // The budget is spent, not stranded in fractions of shares.
    expect(allowed).toBeGreaterThanOrEqual(0.75 * bound)
    // Each process alone would have allowed its own 20% plus 100.
    expect(PROCESSES * 100 + deposits * 0.2).toBeGreaterThan(2 * bound)
  })
})
