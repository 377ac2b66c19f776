/**
 * What only the Redis incident store does: options, key layout and TTLs, nothing secret in Redis,
 * sharing between stores (pub/sub, sync, one resolve across stores), Redis losing its data, and
 * outages. Real redis-server processes on 127.0.0.1; time is the TestClock's. Waiting on a
 * message or a sync to arrive is waiting on real I/O (`eventually`), never on a clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Redacted, TestClock } from "effect"
import type { Redis } from "ioredis"
import * as AlertLimiter from "../src/AlertLimiter.js"
import { Incidents, type IncidentsService, incidentOf } from "../src/internal/incidents.js"
import * as Redact from "../src/internal/redact/redact.js"
import { LOG_PREFIX } from "../src/internal/redis/incidents.js"
import {
  encodeIncident,
  INCIDENT_TTL_MILLIS,
  incidentField,
  incidentIndexKey,
  incidentKey,
  incidentResetKey,
  incidentVersionKey,
  operationId,
  scanPattern,
  signatureKey,
  tombstoneKey
} from "../src/internal/redis/scripts.js"
import * as RedisAlertLimiter from "../src/RedisAlertLimiter.js"
import * as RedisIncidents from "../src/RedisIncidents.js"
import { opening } from "./Incidents.behaviour.js"
import { ioTurn } from "./support/clockDriver.js"
import { configErrorOf } from "./support/exits.js"
import { captureLogs } from "./support/logs.js"
import {
  expectUrlRefused,
  garbageServer,
  ownRedisServer,
  redisClient,
  redisTestUrl,
  scriptCalls,
  uniquePrefix
} from "./support/redis.js"
import { freePort } from "./support/redisServer.js"

const SYNC = "10 seconds"
const POLL = "1 second"

const storeAt = (url: string, options: RedisIncidents.Options = {}) =>
  Effect.map(
    Layer.build(RedisIncidents.layer({ url: Redacted.make(url), syncInterval: SYNC, ...options })),
    Context.get(Incidents)
  )

/**
 * Re-checks `check` until it holds, for up to 5 s of real time: after each check, one I/O turn
 * (a poll or a sync is real I/O) and, every tenth turn, the TestClock moved by a poll interval
 * (the stores poll for changes on it).
 */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, holds: (value: A) => boolean) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 5_000
    for (let turn = 1; ; turn++) {
      const value = yield* check
      if (holds(value)) return value
      if (Date.now() > deadline) {
        expect.fail(`still ${JSON.stringify(value)} after 5 s`)
      }
      yield* ioTurn
      if (turn % 10 === 0) yield* TestClock.adjust(POLL)
    }
  })

const isOpen = (store: IncidentsService, operation = "charge") =>
  Effect.sync(() => store.isOpen("billing", operation))

const exists = (client: Redis, key: string) => Effect.promise(() => client.exists(key))

/** The store's own warnings: one means it fell back to memory. */
const captureStoreLogs = () => {
  const { lines, layer } = captureLogs()
  const warnings = () => lines.filter((line) => line.level === "WARN" && line.message.startsWith(LOG_PREFIX))
  return { lines, layer, warnings }
}

/** Everything under `prefix`: each key and what it holds, read by type, and its DUMP. */
const everything = (client: Redis, prefix: string) =>
  Effect.promise(async () => {
    const found: Array<string> = []
    let cursor = "0"
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", scanPattern(prefix), "COUNT", 1000)
      for (const key of keys) {
        found.push(key)
        const type = await client.type(key)
        if (type === "hash") found.push(JSON.stringify(await client.hgetall(key)))
        else if (type === "set") found.push(JSON.stringify(await client.smembers(key)))
        else if (type === "zset") found.push(JSON.stringify(await client.zrange(key, 0, -1, "WITHSCORES")))
        else if (type === "list") found.push(JSON.stringify(await client.lrange(key, 0, -1)))
        else if (type === "string") found.push((await client.get(key)) ?? "")
        else found.push(`unexpected type ${type}`)
        found.push(((await client.dumpBuffer(key)) ?? Buffer.alloc(0)).toString("latin1"))
      }
      cursor = next
    } while (cursor !== "0")
    return found
  })

describe("RedisIncidents.layer options", () => {
  it("rejects invalid options when the layer is built, naming the option", () => {
    const url = Redacted.make("redis://127.0.0.1:6379")
    expect(() => RedisIncidents.layer({ url, prefix: "" })).toThrow(/"prefix"/)
    expect(() => RedisIncidents.layer({ url, timeout: 0 })).toThrow(/"timeout"/)
    expect(() => RedisIncidents.layer({ url, maxEntries: 0 })).toThrow(/"maxEntries"/)
    expect(() => RedisIncidents.layer({ url, syncInterval: "-1 seconds" })).toThrow(/"syncInterval"/)
    expect(() => RedisIncidents.layer({ url, syncInterval: 0 })).toThrow(RedisIncidents.InvalidOptionError)
    expect(() => RedisIncidents.layerConfig({ maxEntries: 1.5 })).toThrow(/"maxEntries"/)
    expect(() => RedisAlertLimiter.layer({ url, syncInterval: Number.NaN })).toThrow(/"syncInterval"/)
    expect(() => RedisAlertLimiter.layerConfig({ syncInterval: "soon" as never })).toThrow(/"syncInterval"/)
  })

  it("rejects a URL that is not redis:// or not Redacted without showing it", () => {
    expectUrlRefused((url) => RedisIncidents.layer({ url }))
  })
})

describe("RedisIncidents.layerConfig", () => {
  it.scoped("reads REDIS_URL and keeps incidents in Redis", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const store = yield* Effect.map(
        Layer.build(RedisIncidents.layerConfig({ prefix })),
        Context.get(Incidents)
      ).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", redisTestUrl()]]))))
      yield* store.open(opening("HTTP 500"), 0)
      const client = yield* redisClient(redisTestUrl())
      expect(yield* exists(client, incidentKey(prefix, operationId("billing", "charge")))).toBe(1)
    })
  )

  it.scoped("fails with a ConfigError, without the secret, when REDIS_URL is invalid", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Layer.build(RedisIncidents.layerConfig()).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", "http://u:s3cret@x"]])))
        )
      )
      const error = configErrorOf(exit)
      expect(error).toMatchObject({
        _op: "InvalidData",
        message: "REDIS_URL must be a Redacted redis:// or rediss:// URL (the value is secret and not shown)"
      })
      expect(String(error)).not.toContain("s3cret")
    })
  )
})

describe("RedisIncidents.layer storage", () => {
  it.scoped(
    "one hash per operation, a field per signature hash, a sorted index, tombstones; every key expires",
    () =>
      Effect.gen(function* () {
        const prefix = uniquePrefix()
        const store = yield* storeAt(redisTestUrl(), { prefix })
        const client = yield* redisClient(redisTestUrl())
        const raw = opening("HTTP 500")
        yield* store.open(raw, 0)
        yield* store.open(opening("HTTP 500", { operation: "refund" }), 0)
        const id = operationId("billing", "charge")
        expect(Object.keys(yield* Effect.promise(() => client.hgetall(incidentKey(prefix, id))))).toEqual([
          incidentField(raw.signature)
        ])
        // The index: a sorted set of the operations, scored by when each was last listed (Clock millis).
        const index = () => Effect.promise(() => client.zrange(incidentIndexKey(prefix), 0, -1, "WITHSCORES"))
        expect(yield* index()).toEqual(
          [
            [id, "0"],
            [operationId("billing", "refund"), "0"]
          ]
            .sort((a, b) => a[0]!.localeCompare(b[0]!))
            .flat()
        )
        yield* store.resolve("billing", "charge")
        expect(yield* exists(client, incidentKey(prefix, id))).toBe(0)
        // The resolved operation leaves the index at a sync past the grace of a minute. A sync
        // reads the clock after its round trip: move it a sync interval at a time until one has.
        yield* TestClock.adjust("61 seconds")
        yield* eventually(Effect.zipRight(TestClock.adjust(SYNC), index()), (listed) => listed.length === 2)
        expect(yield* index()).toEqual([operationId("billing", "refund"), "0"])
        for (const key of [
          incidentKey(prefix, operationId("billing", "refund")),
          incidentIndexKey(prefix),
          tombstoneKey(prefix, id)
        ]) {
          const ttl = yield* Effect.promise(() => client.pttl(key))
          expect(ttl).toBeGreaterThan(0)
          expect(ttl).toBeLessThanOrEqual(INCIDENT_TTL_MILLIS)
        }
      })
  )

  it.scoped("no password or token from an error reaches any Redis key or value", () =>
    Effect.gen(function* () {
      const password = "Hunter2-Pa55w0rd"
      const token = "ghp_R4nd0mT0k3nV4lu3Abcdefghij0123456789"
      const errors = [
        new Error(`connect failed: postgres://app:${password}@db.internal:5432/orders`),
        new Error(`401 for token ${token} at api.example.com`)
      ]
      // The redactor knows both: what is stored must be their redacted form.
      for (const error of errors) {
        expect(Redact.redact(error.message)).not.toContain(password)
        expect(Redact.redact(error.message)).not.toContain(token)
      }
      const prefix = uniquePrefix()
      const client = yield* redisClient(redisTestUrl())
      const context = yield* Layer.build(
        RedisAlertLimiter.layer({ url: Redacted.make(redisTestUrl()), prefix, syncInterval: SYNC })
      )
      const limiter = Context.get(context, AlertLimiter.AlertLimiter)
      const store = Context.get(context, Incidents)
      for (const [i, error] of errors.entries()) {
        const operation = `op${i}`
        const signature = limiter.signature(operation, error, "billing")
        expect(signature).toContain(i === 0 ? password : token)
        yield* limiter.check(signature)
        yield* limiter.check(signature)
        const incident = {
          signature,
          operation,
          context: "billing",
          severity: "critical" as const,
          startedAt: 0,
          channel: undefined
        }
        yield* store.open(incident, 0)
        yield* store.noteSuppressed(incident)
        yield* store.noteFailure("billing", operation)
      }
      // One resolved (its record becomes a tombstone), one still open.
      expect(yield* store.resolve("billing", "op0")).toHaveLength(1)

      const stored = yield* everything(client, prefix)
      expect(stored.length).toBeGreaterThan(0)
      expect(stored.join("\n")).toContain("[REDACTED")
      for (const text of stored) {
        expect(text).not.toContain(password)
        expect(text).not.toContain(token)
      }
    })
  )

  it.scoped(
    "the limiter's reset and size leave the incidents alone, and the incidents' reset the limiter",
    () =>
      Effect.gen(function* () {
        const prefix = uniquePrefix()
        const client = yield* redisClient(redisTestUrl())
        const context = yield* Layer.build(
          RedisAlertLimiter.layer({ url: Redacted.make(redisTestUrl()), prefix, syncInterval: SYNC })
        )
        const limiter = Context.get(context, AlertLimiter.AlertLimiter)
        const store = Context.get(context, Incidents)
        yield* limiter.check("a")
        yield* store.open(opening("HTTP 500"), 0)
        expect(yield* limiter.size).toBe(1)
        yield* limiter.reset
        expect(yield* exists(client, incidentKey(prefix, operationId("billing", "charge")))).toBe(1)
        yield* limiter.check("a")
        yield* store.reset
        expect(yield* store.count).toBe(0)
        // The limiter's key stays; of the incidents, only the version and the reset epoch that
        // tell the other processes to clear their tables.
        expect((yield* Effect.promise(() => client.keys(`${prefix}*`))).sort()).toEqual(
          [signatureKey(prefix, "a"), incidentVersionKey(prefix), incidentResetKey(prefix)].sort()
        )
        expect((yield* limiter.check("a")).send).toBe(false)
      })
  )
})

describe("RedisIncidents.layer sharing", () => {
  it.scoped("a store built after an incident opened knows it at once; one built before hears of it", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const a = yield* storeAt(redisTestUrl(), { prefix })
      const b = yield* storeAt(redisTestUrl(), { prefix })
      const incident = yield* a.open(opening("HTTP 500"), 0)
      yield* eventually(isOpen(b), (open) => open)
      expect(yield* b.list).toEqual([incident])

      const c = yield* storeAt(redisTestUrl(), { prefix })
      expect(c.isOpen("billing", "charge")).toBe(true)
      // The counts of a resolved event are the resolving process's own.
      yield* c.noteFailure("billing", "charge")
      yield* c.noteFailure("billing", "charge")
      expect(yield* c.resolve("billing", "charge")).toEqual([{ ...incident, failures: 2 }])
      // The others drop it when they hear it resolved: no second resolve.
      yield* eventually(
        Effect.sync(() => a.isOpen("billing", "charge") || b.isOpen("billing", "charge")),
        (open) => !open
      )
      expect(yield* a.resolve("billing", "charge")).toEqual([])
      expect(yield* b.count).toBe(0)
    })
  )

  it.scoped("the firing store and two others resolving at once: one resolved incident in all, 10 times", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const stores = yield* Effect.all(
        Array.from({ length: 3 }, () => storeAt(redisTestUrl(), { prefix })),
        { concurrency: "unbounded" }
      )
      for (let round = 0; round < 10; round++) {
        const operation = `op${round}`
        yield* stores[round % 3]!.open(opening("HTTP 500", { operation }), round)
        yield* eventually(
          Effect.sync(() => stores.every((store) => store.isOpen("billing", operation))),
          (all) => all
        )
        const resolved = yield* Effect.all(
          stores.map((store) => store.resolve("billing", operation)),
          { concurrency: "unbounded" }
        )
        expect(resolved.flat()).toHaveLength(1)
      }
    })
  )

  it.scoped("concurrent successes in one process: one resolve script (and one version bump)", () =>
    Effect.gen(function* () {
      const server = yield* ownRedisServer()
      const client = yield* redisClient(server.url)
      const store = yield* storeAt(server.url)
      yield* store.open(opening("HTTP 500"), 0)
      const before = yield* scriptCalls(client)
      const resolved = yield* Effect.all(
        Array.from({ length: 100 }, () => store.resolve("billing", "charge")),
        { concurrency: "unbounded" }
      )
      expect(resolved.flat()).toHaveLength(1)
      // The resolve, then the bump that tells the other processes: 2, not 100.
      expect((yield* scriptCalls(client)) - before).toBe(2)
    })
  )

  it.scoped(
    "the periodic sync learns an incident written unannounced, and drops one resolved unannounced",
    () =>
      Effect.gen(function* () {
        const prefix = uniquePrefix()
        const client = yield* redisClient(redisTestUrl())
        const store = yield* storeAt(redisTestUrl(), { prefix })
        // Another process's record, written without bumping the version.
        const raw = opening("HTTP 500")
        const id = operationId("billing", "charge")
        const record = encodeIncident({ incident: incidentOf(raw, 0), id: "elsewhere" })
        yield* Effect.promise(() =>
          client.hset(incidentKey(prefix, id), incidentField(raw.signature), record)
        )
        yield* Effect.promise(() => client.zadd(incidentIndexKey(prefix), 0, id))
        expect(store.isOpen("billing", "charge")).toBe(false)
        yield* TestClock.adjust(SYNC)
        yield* eventually(isOpen(store), (open) => open)
        // Resolved elsewhere, its message missed.
        yield* Effect.promise(() => client.del(incidentKey(prefix, id)))
        yield* TestClock.adjust(SYNC)
        yield* eventually(isOpen(store), (open) => !open)
      })
  )

  it.scoped("a change another process announces (a new version) is learned at the next poll", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const client = yield* redisClient(redisTestUrl())
      const store = yield* storeAt(redisTestUrl(), { prefix, syncInterval: "1 hour" })
      const raw = opening("HTTP 500")
      const id = operationId("billing", "charge")
      const record = encodeIncident({ incident: incidentOf(raw, 0), id: "elsewhere" })
      yield* Effect.promise(() => client.hset(incidentKey(prefix, id), incidentField(raw.signature), record))
      yield* Effect.promise(() => client.zadd(incidentIndexKey(prefix), 0, id))
      // Written, not announced: a poll sees no new version.
      yield* TestClock.adjust(POLL)
      for (let turn = 0; turn < 50; turn++) yield* ioTurn
      expect(store.isOpen("billing", "charge")).toBe(false)
      yield* Effect.promise(() => client.incr(incidentVersionKey(prefix)))
      yield* TestClock.adjust(POLL)
      yield* eventually(isOpen(store), (open) => open)
    })
  )
})

describe("RedisIncidents.layer when Redis loses its data", () => {
  it.scoped("FLUSHALL: the firing store still resolves its incident; a store that learned it does not", () =>
    Effect.gen(function* () {
      const server = yield* ownRedisServer()
      const client = yield* redisClient(server.url)
      const a = yield* storeAt(server.url)
      const b = yield* storeAt(server.url)
      const incident = yield* a.open(opening("HTTP 500"), 0)
      yield* a.noteFailure("billing", "charge")
      yield* eventually(isOpen(b), (open) => open)
      yield* Effect.promise(() => client.flushall())
      expect(yield* b.resolve("billing", "charge")).toEqual([])
      expect(yield* a.resolve("billing", "charge")).toEqual([{ ...incident, failures: 1 }])
      // A second success finds nothing: the resolve left a tombstone.
      expect(yield* a.resolve("billing", "charge")).toEqual([])
    })
  )

  it.scoped("FLUSHALL: the next sync writes the incident back; a store started later resolves it, once", () =>
    Effect.gen(function* () {
      const server = yield* ownRedisServer()
      const client = yield* redisClient(server.url)
      const a = yield* storeAt(server.url)
      const incident = yield* a.open(opening("HTTP 500"), 0)
      yield* Effect.promise(() => client.flushall())
      yield* TestClock.adjust(SYNC)
      yield* eventually(
        exists(client, incidentKey("retry-alerts:", operationId("billing", "charge"))),
        (n) => n === 1
      )
      const c = yield* storeAt(server.url)
      expect(yield* c.resolve("billing", "charge")).toEqual([incident])
      // The firing store hears it resolved; had it not, its resolve would find the tombstone.
      expect(yield* a.resolve("billing", "charge")).toEqual([])
    })
  )
})

describe("RedisIncidents.layer outages", () => {
  it.scoped(
    "closed port: opens and resolves in memory, warns once, never logs the password; writes back later",
    () =>
      Effect.gen(function* () {
        const logs = captureStoreLogs()
        const password = "hunter2-secret"
        const port = yield* Effect.promise(() => freePort())
        const url = `redis://:${password}@127.0.0.1:${port}`
        const body = Effect.gen(function* () {
          // Calls fail at once on a closed port. A timeout longer than any adjust below: moving the
          // TestClock by 10 s must not end a call that real I/O is still answering.
          const store = yield* storeAt(url, { timeout: "1 hour" })
          const first = yield* store.open(opening("HTTP 500"), 0)
          expect(store.isOpen("billing", "charge")).toBe(true)
          expect(yield* store.resolve("billing", "charge")).toEqual([first])
          const second = yield* store.open(opening("HTTP 502", { operation: "refund" }), 10)
          expect(yield* store.open(opening("HTTP 502", { operation: "refund" }), 20)).toEqual(second)
          expect(logs.warnings()).toHaveLength(1)
          expect(logs.warnings()[0]!.message).toContain("ECONNREFUSED")

          // Redis comes up on that port: the next sync writes the incident opened meanwhile.
          yield* ownRedisServer({ port, args: ["--requirepass", password] })
          const client = yield* redisClient(url)
          yield* TestClock.adjust(SYNC)
          yield* eventually(
            exists(client, incidentKey("retry-alerts:", operationId("billing", "refund"))),
            (n) => n === 1
          )
          expect(yield* exists(client, incidentKey("retry-alerts:", operationId("billing", "charge")))).toBe(
            0
          )
          const infos = () => logs.lines.filter((line) => line.level === "INFO").map((line) => line.message)
          yield* eventually(Effect.sync(infos), (lines) => lines.length > 0)
          expect(infos()).toEqual([`${LOG_PREFIX}: Redis answers again; decisions are shared again`])
          // Shared again: another store resolves it.
          const other = yield* storeAt(url)
          expect(yield* other.resolve("billing", "refund")).toEqual([second])
        })
        yield* Effect.provide(body, logs.layer)
        expect(logs.warnings()).toHaveLength(1)
        expect(logs.lines.map((line) => line.text).join("\n")).not.toContain(password)
      })
  )

  it.scoped("a server answering garbage: opens and resolves in memory, one warning", () =>
    Effect.gen(function* () {
      const logs = captureStoreLogs()
      const peer = yield* garbageServer("+PONG\r\n")
      const body = Effect.gen(function* () {
        const store = yield* storeAt(peer.url)
        const incident = yield* store.open(opening("HTTP 500"), 0)
        expect(yield* store.resolve("billing", "charge")).toEqual([incident])
      })
      yield* Effect.provide(body, logs.layer)
      expect(logs.warnings()).toHaveLength(1)
      expect(logs.warnings()[0]!.message).toContain("unexpected reply")
    })
  )
})
