/**
 * What only the Redis limiter does: options, key layout and TTL, round trips per storm, sharing
 * between limiters, and outages (closed port, stopped server, paused server, error replies,
 * garbage, wrong password); and that its layer provides the incident store too, on the same
 * connection (the store's own tests: RedisIncidents*.test.ts). Real redis-server processes on
 * 127.0.0.1; time is the TestClock's.
 */
import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, ConfigProvider, Context, Effect, Fiber, Layer, Option, Redacted, TestClock } from "effect"
import type { Redis } from "ioredis"
import * as AlertLimiter from "../src/AlertLimiter.js"
import { Incidents } from "../src/internal/incidents.js"
import { ceilingKeys, signatureKey, TTL_MARGIN_MILLIS } from "../src/internal/redis/scripts.js"
import * as RedisAlertLimiter from "../src/RedisAlertLimiter.js"
import * as RedisConnection from "../src/RedisConnection.js"
import * as RedisRetryBudget from "../src/RedisRetryBudget.js"
import * as RetryBudget from "../src/RetryBudget.js"
import { configErrorOf } from "./support/exits.js"
import {
  captureLimiterLogs,
  expectUrlRefused,
  garbageServer,
  ownRedisServer,
  redisClient,
  redisTestUrl,
  scriptCalls,
  uniquePrefix
} from "./support/redis.js"
import { freePort, startRedisServer } from "./support/redisServer.js"

const buildLimiter = <E>(layer: Layer.Layer<AlertLimiter.AlertLimiter, E>) =>
  Effect.map(Layer.build(layer), Context.get(AlertLimiter.AlertLimiter))

const limiterAt = (url: string, options: RedisAlertLimiter.Options = {}) =>
  buildLimiter(RedisAlertLimiter.layer({ url: Redacted.make(url), ...options }))

/** Waits until some fiber sleeps on the TestClock until `at` (a decision waiting on Redis). */
const awaitSleepUntil = (at: number) =>
  Effect.yieldNow().pipe(
    Effect.zipRight(TestClock.sleeps()),
    Effect.repeat({ until: (sleeps) => Chunk.some(sleeps, (time) => time === at) })
  )

const storm = (limiter: AlertLimiter.AlertLimiterService, sig: string, count: number) =>
  Effect.map(
    Effect.all(
      Array.from({ length: count }, () => limiter.check(sig)),
      { concurrency: "unbounded" }
    ),
    (decisions) => decisions.filter((decision) => decision.send).length
  )

describe("RedisAlertLimiter.layer options", () => {
  it("rejects invalid options when the layer is built, naming the option", () => {
    const url = Redacted.make("redis://127.0.0.1:6379")
    expect(() => RedisAlertLimiter.layer({ url, prefix: "" })).toThrow(/"prefix"/)
    expect(() => RedisAlertLimiter.layer({ url, window: "-1 seconds" })).toThrow(/"window"/)
    expect(() => RedisAlertLimiter.layer({ url, timeout: 0 })).toThrow(/"timeout"/)
    expect(() => RedisAlertLimiter.layer({ url, maxEntries: 0 })).toThrow(/"maxEntries"/)
    expect(() => RedisAlertLimiter.layer({ url, syncInterval: 0 })).toThrow(/"syncInterval"/)
    expect(() => RedisAlertLimiter.layerConfig({ window: Number.NaN })).toThrow(
      AlertLimiter.InvalidOptionError
    )
  })

  it("rejects a URL that is not redis:// or not Redacted without showing it", () => {
    expectUrlRefused((url) => RedisAlertLimiter.layer({ url }))
  })
})

describe("RedisAlertLimiter.layerConfig", () => {
  it.scoped("reads REDIS_URL and decides in Redis", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const limiter = yield* buildLimiter(RedisAlertLimiter.layerConfig({ prefix })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", redisTestUrl()]])))
      )
      expect((yield* limiter.check("sig")).send).toBe(true)
      const client = yield* redisClient(redisTestUrl())
      expect(yield* Effect.promise(() => client.exists(signatureKey(prefix, "sig")))).toBe(1)
    })
  )

  it.scoped("fails with a ConfigError, without the secret, when REDIS_URL is missing or invalid", () =>
    Effect.gen(function* () {
      const build = (entries: Array<[string, string]>) =>
        Effect.exit(
          Layer.build(RedisAlertLimiter.layerConfig()).pipe(
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

/** How many clients the server has (`CLIENT LIST`), this one included. */
const clientCount = (admin: Redis) =>
  Effect.promise(
    async () =>
      String(await admin.client("LIST"))
        .trim()
        .split("\n").length
  )

describe("RedisAlertLimiter.layer services", () => {
  it.scoped("provides the limiter and the incident store on one connection, with no subscriber", () =>
    Effect.gen(function* () {
      const server = yield* ownRedisServer()
      const admin = yield* redisClient(server.url)
      const clients = clientCount(admin)
      const before = yield* clients
      const context = yield* Layer.build(RedisAlertLimiter.layer({ url: Redacted.make(server.url) }))
      const limiter = Context.get(context, AlertLimiter.AlertLimiter)
      const incidents = Context.get(context, Incidents)
      expect((yield* limiter.check("sig")).send).toBe(true)
      yield* incidents.open(
        {
          signature: "billing:charge:Error:HTTP 500",
          operation: "charge",
          context: "billing",
          severity: "critical",
          startedAt: 0,
          channel: undefined
        },
        0
      )
      expect(incidents.isOpen("billing", "charge")).toBe(true)
      expect((yield* clients) - before).toBe(1)
      const list = String(yield* Effect.promise(() => admin.client("LIST")))
      expect(list.match(/ sub=[1-9]/g)).toBeNull()
    })
  )

  it.scoped(
    "a replica's limiter, incidents and retry budget share one TCP connection (RedisConnection.layer)",
    () =>
      Effect.gen(function* () {
        const server = yield* ownRedisServer()
        const admin = yield* redisClient(server.url)
        const clients = clientCount(admin)
        const before = yield* clients
        const context = yield* Layer.build(
          Layer.merge(
            RedisAlertLimiter.layerWithoutConnection(),
            RedisRetryBudget.layerWithoutConnection()
          ).pipe(Layer.provide(RedisConnection.layer({ url: Redacted.make(server.url) })))
        )
        const limiter = Context.get(context, AlertLimiter.AlertLimiter)
        const budget = Context.get(context, RetryBudget.RetryBudget)
        expect((yield* limiter.check("sig")).send).toBe(true)
        budget.deposit("billing")
        expect(budget.tryWithdraw("billing")).toBe(true)
        yield* TestClock.adjust("1 second")
        expect((yield* clients) - before).toBe(1)
      })
  )
})

describe("RedisAlertLimiter.layer storage", () => {
  it.scoped("stores one hash per signature under prefix + {SHA-256}, with a TTL of window + margin", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const limiter = yield* limiterAt(redisTestUrl(), { prefix, window: "1 minute" })
      const client = yield* redisClient(redisTestUrl())
      const longSignature = `billing:${"n".repeat(10_000)}:Error:HTTP 500`
      yield* TestClock.adjust("42 millis")
      yield* limiter.check(longSignature)
      yield* limiter.check(longSignature)
      yield* TestClock.adjust("1 minute")
      // The second window's ask reports the suppression counted in this process.
      expect(yield* limiter.check(longSignature)).toEqual({ send: true, suppressed: 1, lastSentAt: 42 })
      const key = signatureKey(prefix, longSignature)
      // The hash is the key's hash tag: on a cluster, signatures spread over the shards.
      expect(key).toBe(`${prefix}{${createHash("sha256").update(longSignature).digest("hex")}}`)
      expect(yield* Effect.promise(() => client.keys(`${prefix}*`))).toEqual([key])
      expect(yield* Effect.promise(() => client.hgetall(key))).toEqual({ last: "60042", suppressed: "0" })
      const ttl = yield* Effect.promise(() => client.pttl(key))
      expect(ttl).toBeGreaterThan(60_000)
      expect(ttl).toBeLessThanOrEqual(60_000 + TTL_MARGIN_MILLIS)
    })
  )

  it.scoped("reset deletes only the keys under its own prefix", () =>
    Effect.gen(function* () {
      const mine = yield* limiterAt(redisTestUrl(), { prefix: `${uniquePrefix()}*?[` })
      const other = yield* limiterAt(redisTestUrl(), { prefix: uniquePrefix() })
      for (const sig of ["a", "b"]) {
        yield* mine.check(sig)
        yield* other.check(sig)
      }
      yield* mine.reset
      expect(yield* mine.size).toBe(0)
      expect(yield* other.size).toBe(2)
    })
  )
})

describe("RedisAlertLimiter.layer sharing", () => {
  it.scoped("a signature the front forgot (maxEntries) is still decided by Redis", () =>
    Effect.gen(function* () {
      const server = yield* ownRedisServer()
      const client = yield* redisClient(server.url)
      const limiter = yield* limiterAt(server.url, { maxEntries: 2 })
      for (const sig of ["a", "b", "c"]) expect((yield* limiter.check(sig)).send).toBe(true)
      const before = yield* scriptCalls(client)
      // "a" was dropped from the front: one round trip, and Redis still suppresses it.
      expect(yield* limiter.check("a")).toEqual({ send: false, suppressed: 1, lastSentAt: 0 })
      expect((yield* scriptCalls(client)) - before).toBe(1)
    })
  )

  it.scoped("a storm of 1,000 asks for one signature costs one round trip per window", () =>
    Effect.gen(function* () {
      const server = yield* ownRedisServer()
      const client = yield* redisClient(server.url)
      const limiter = yield* limiterAt(server.url, { window: "1 minute" })
      const before = yield* scriptCalls(client)
      expect(yield* storm(limiter, "billing:charge:Error:HTTP 500", 1_000)).toBe(1)
      expect((yield* scriptCalls(client)) - before).toBe(1)
      yield* TestClock.adjust("1 minute")
      expect(yield* storm(limiter, "billing:charge:Error:HTTP 500", 1_000)).toBe(1)
      expect((yield* scriptCalls(client)) - before).toBe(2)
    })
  )

  it.scoped("20 limiters (20 connections) asking 50 times each at once: exactly one sends", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const limiters = yield* Effect.all(
        Array.from({ length: 20 }, () => limiterAt(redisTestUrl(), { prefix })),
        { concurrency: "unbounded" }
      )
      // Every connection is up before the race, so no decision falls back to memory.
      yield* Effect.forEach(limiters, (limiter) => limiter.size, { concurrency: "unbounded" })
      const sent = yield* Effect.all(
        limiters.map((limiter) => storm(limiter, "shared", 50)),
        { concurrency: "unbounded" }
      )
      expect(sent.reduce((a, b) => a + b, 0)).toBe(1)
    })
  )

  it.scoped("the channel ceiling is shared: two limiters with ceiling 2 admit 2 alerts a minute in all", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const a = yield* limiterAt(redisTestUrl(), { prefix, ceiling: 2 })
      const b = yield* limiterAt(redisTestUrl(), { prefix, ceiling: 2 })
      expect(yield* a.admit).toEqual({ admitted: true, heldBack: 0 })
      expect(yield* b.admit).toEqual({ admitted: true, heldBack: 0 })
      expect(yield* a.admit).toEqual({ admitted: false, heldBack: 1 })
      expect(yield* b.admit).toEqual({ admitted: false, heldBack: 2 })
      yield* TestClock.adjust("1 minute")
      expect(yield* b.admit).toEqual({ admitted: true, heldBack: 2 })
      const client = yield* redisClient(redisTestUrl())
      const keys = ceilingKeys(prefix)
      expect(yield* Effect.promise(() => client.lrange(keys.times, 0, -1))).toEqual(["60000", "0"])
      const ttl = yield* Effect.promise(() => client.pttl(keys.times))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(5 * 60_000 + TTL_MARGIN_MILLIS)
    })
  )

  it.scoped("a limiter waits for the window of another process's alert, and counts its suppressions", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const prefix = uniquePrefix()
      const sig = "billing:charge:Error:HTTP 500"
      const a = yield* limiterAt(redisTestUrl(), { prefix, window: "1 minute" })
      const b = yield* limiterAt(redisTestUrl(), { prefix, window: "1 minute" })
      const body = Effect.gen(function* () {
        expect(yield* a.check(sig)).toEqual({ send: true, suppressed: 0, lastSentAt: undefined })
        expect(yield* a.check(sig)).toEqual({ send: false, suppressed: 1, lastSentAt: 0 })
        expect(yield* a.check(sig)).toEqual({ send: false, suppressed: 2, lastSentAt: 0 })
        yield* TestClock.adjust("10 seconds")
        expect(yield* b.check(sig)).toEqual({ send: false, suppressed: 1, lastSentAt: 0 })
        expect(yield* b.check(sig)).toEqual({ send: false, suppressed: 2, lastSentAt: 0 })
        // A's window, not B's own first ask, decides: B may send at 60 s, not 70 s.
        yield* TestClock.adjust("50 seconds")
        expect(yield* b.check(sig)).toEqual({ send: true, suppressed: 2, lastSentAt: 0 })
        // A's two suppressions reach Redis with A's next ask, and count in the next window.
        expect(yield* a.check(sig)).toEqual({ send: false, suppressed: 3, lastSentAt: 60_000 })
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.limiterWarnings()).toEqual([])
    })
  )
})

describe("RedisAlertLimiter.layer outages", () => {
  it.scoped("closed port: builds, decides from memory, warns once per window, never logs the password", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const password = "hunter2-secret"
      const port = yield* Effect.promise(() => freePort())
      const url = `redis://:${password}@127.0.0.1:${port}`
      const limiter = yield* limiterAt(url, { window: "1 minute", ceiling: 1 })
      const body = Effect.gen(function* () {
        expect(yield* limiter.check("a")).toEqual({ send: true, suppressed: 0, lastSentAt: undefined })
        expect(yield* limiter.check("a")).toEqual({ send: false, suppressed: 1, lastSentAt: 0 })
        expect((yield* limiter.check("b")).send).toBe(true)
        expect(yield* limiter.size).toBe(2)
        // The process's own ceiling answers.
        expect(yield* limiter.admit).toEqual({ admitted: true, heldBack: 0 })
        expect(yield* limiter.admit).toEqual({ admitted: false, heldBack: 1 })
        expect(logs.limiterWarnings()).toHaveLength(1)
        expect(logs.limiterWarnings()[0]!.message).toContain("ECONNREFUSED")
        yield* TestClock.adjust("1 minute")
        expect((yield* limiter.check("a")).send).toBe(true)
        expect((yield* limiter.check("c")).send).toBe(true)
        expect(logs.limiterWarnings()).toHaveLength(2)

        // Redis comes up on that port: the next decision uses it.
        const server = yield* ownRedisServer({ port, args: ["--requirepass", password] })
        expect((yield* limiter.check("d")).send).toBe(true)
        const client = yield* redisClient(url)
        expect(yield* Effect.promise(() => client.keys("retry-alerts:*"))).toEqual([
          signatureKey("retry-alerts:", "d")
        ])
        expect(server.port).toBe(port)
        expect(logs.lines.filter((line) => line.level === "INFO").map((line) => line.message)).toEqual([
          "AlertLimiter(redis): Redis answers again; decisions are shared again"
        ])
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.limiterWarnings()).toHaveLength(2)
      expect(logs.lines.map((line) => line.text).join("\n")).not.toContain(password)
    })
  )

  it.scoped("server stopped then restarted: decisions go on from memory, one warning, then Redis again", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const first = yield* Effect.promise(() => startRedisServer())
      yield* Effect.addFinalizer(() => Effect.promise(() => first.stop()))
      const limiter = yield* limiterAt(first.url, { window: "1 minute" })
      const body = Effect.gen(function* () {
        expect((yield* limiter.check("before")).send).toBe(true)
        const client = yield* redisClient(first.url)
        expect(yield* Effect.promise(() => client.exists(signatureKey("retry-alerts:", "before")))).toBe(1)
        yield* Effect.promise(() => client.quit())

        yield* Effect.promise(() => first.stop())
        for (const sig of ["during-1", "during-2", "during-3"]) {
          expect(yield* limiter.check(sig)).toEqual({ send: true, suppressed: 0, lastSentAt: undefined })
        }
        expect(yield* limiter.check("during-1")).toEqual({ send: false, suppressed: 1, lastSentAt: 0 })
        expect(logs.limiterWarnings()).toHaveLength(1)

        const second = yield* ownRedisServer({ port: first.port })
        expect((yield* limiter.check("after")).send).toBe(true)
        const fresh = yield* redisClient(second.url)
        expect(yield* Effect.promise(() => fresh.exists(signatureKey("retry-alerts:", "after")))).toBe(1)
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.limiterWarnings()).toHaveLength(1)
    })
  )

  it.scoped("server paused: a storm waits no longer than the timeout, sends once, then Redis again", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const server = yield* ownRedisServer()
      const admin = yield* redisClient(server.url)
      const limiter = yield* limiterAt(server.url, { window: "1 minute", timeout: "250 millis" })
      const body = Effect.gen(function* () {
        expect((yield* limiter.check("warm-up")).send).toBe(true)
        yield* Effect.promise(() => admin.call("CLIENT", "PAUSE", "60000", "WRITE"))
        const fiber = yield* Effect.fork(storm(limiter, "slow", 1_000))
        yield* awaitSleepUntil(250)
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* TestClock.adjust("250 millis")
        expect(yield* Fiber.join(fiber)).toBe(1)
        expect(logs.limiterWarnings()).toHaveLength(1)
        expect(logs.limiterWarnings()[0]!.message).toContain("no answer within 250ms")

        yield* Effect.promise(() => admin.call("CLIENT", "UNPAUSE"))
        expect((yield* limiter.check("after")).send).toBe(true)
        expect(yield* Effect.promise(() => admin.exists(signatureKey("retry-alerts:", "after")))).toBe(1)
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.limiterWarnings()).toHaveLength(1)
    })
  )

  it.scoped("an error reply (a foreign key of another type) falls back for that decision", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const prefix = uniquePrefix()
      const client = yield* redisClient(redisTestUrl())
      yield* Effect.promise(() => client.set(signatureKey(prefix, "taken"), "not a hash"))
      const limiter = yield* limiterAt(redisTestUrl(), { prefix })
      const body = Effect.gen(function* () {
        expect((yield* limiter.check("taken")).send).toBe(true)
        expect((yield* limiter.check("taken")).send).toBe(false)
        expect((yield* limiter.check("other")).send).toBe(true)
        expect(yield* Effect.promise(() => client.exists(signatureKey(prefix, "other")))).toBe(1)
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.limiterWarnings()).toHaveLength(1)
      expect(logs.limiterWarnings()[0]!.message).toContain("WRONGTYPE")
    })
  )

  it.scoped("a server answering garbage: the decision falls back, nothing raised, one warning", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const peer = yield* garbageServer("+PONG\r\n")
      const limiter = yield* limiterAt(peer.url)
      const body = Effect.gen(function* () {
        expect((yield* limiter.check("a")).send).toBe(true)
        expect((yield* limiter.check("b")).send).toBe(true)
        expect((yield* limiter.check("a")).send).toBe(false)
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.limiterWarnings()).toHaveLength(1)
      expect(logs.limiterWarnings()[0]!.message).toContain("unexpected reply")
    })
  )

  it.scoped("a wrong password: falls back without logging it; the right one is used", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const server = yield* ownRedisServer({ args: ["--requirepass", "right-pass-word"] })
      const wrongUrl = `redis://:wrong-pass-word@127.0.0.1:${server.port}`
      const rightUrl = `redis://:right-pass-word@127.0.0.1:${server.port}`
      const wrong = yield* limiterAt(wrongUrl)
      const right = yield* limiterAt(rightUrl)
      const body = Effect.gen(function* () {
        expect((yield* wrong.check("a")).send).toBe(true)
        expect(logs.limiterWarnings()).toHaveLength(1)
        expect(logs.limiterWarnings()[0]!.message).toMatch(/WRONGPASS|NOAUTH/)
        expect((yield* right.check("b")).send).toBe(true)
      })
      yield* Effect.provide(body, logs.layer)
      const client = yield* redisClient(rightUrl)
      expect(yield* Effect.promise(() => client.keys("retry-alerts:*"))).toEqual([
        signatureKey("retry-alerts:", "b")
      ])
      const logged = logs.lines.map((line) => line.text).join("\n")
      expect(logged).not.toContain("wrong-pass-word")
      expect(logged).not.toContain("right-pass-word")
    })
  )
})
