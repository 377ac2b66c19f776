/**
 * The Redis limiter on a real Redis Cluster of three masters (the global setup starts it), and
 * where Redis is: `url`, `nodes` or a `client` of the user's; a URL pointed at a cluster node; and
 * a Redis that restarts empty. The behaviour suites run on the cluster too
 * (AlertLimiter.shared.test.ts, Incidents.shared.test.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Layer, Redacted, TestClock } from "effect"
import { Cluster } from "ioredis"
import * as AlertLimiter from "../src/AlertLimiter.js"
import type { Incidents } from "../src/internal/incidents.js"
import { InvalidOptionError } from "../src/internal/options.js"
import { REASSERT_INTERVAL } from "../src/internal/redis/alertLimiter.js"
import { signatureKey } from "../src/internal/redis/scripts.js"
import * as RedisAlertLimiter from "../src/RedisAlertLimiter.js"
import { expectInvalidOption } from "./support/options.js"
import {
  captureLimiterLogs,
  redisClient,
  redisClusterNodes,
  redisClusterNodeUrls,
  redisTestUrl,
  uniquePrefix
} from "./support/redis.js"

const limiterOf = <E>(layer: Layer.Layer<AlertLimiter.AlertLimiter | Incidents, E>) =>
  Effect.map(Layer.build(layer), Context.get(AlertLimiter.AlertLimiter))

describe("where Redis is", () => {
  it("takes one of url, nodes and client, and names the option it refuses", () => {
    const secret = "pa55word"
    const url = Redacted.make(`redis://:${secret}@127.0.0.1:6379`)
    expectInvalidOption("nodes", () => RedisAlertLimiter.layer({ url, nodes: [url] }), secret)
    expectInvalidOption("nodes", () => RedisAlertLimiter.layer({ nodes: [] }), secret)
    expectInvalidOption(
      "nodes",
      () => RedisAlertLimiter.layer({ nodes: [`redis://:${secret}@10.0.0.1:6379`] as any }),
      secret
    )
    expectInvalidOption(
      "client",
      () => RedisAlertLimiter.layer({ client: { isCluster: "yes" } as any }),
      secret
    )
  })

  it.scoped("a URL that points at a cluster node fails the build, saying to use nodes", () =>
    Effect.gen(function* () {
      const [node] = redisClusterNodes()
      const exit = yield* Effect.exit(
        limiterOf(RedisAlertLimiter.layer({ url: Redacted.make(`redis://${node!.host}:${node!.port}`) }))
      )
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(defect).toBeInstanceOf(InvalidOptionError)
      expect((defect as InvalidOptionError).option).toBe("url")
      expect((defect as InvalidOptionError).message).toBe(
        `Invalid option "url": points at a node of a Redis Cluster, whose keys live on several nodes: give the cluster's nodes as \`nodes\` (one URL per node)`
      )
    })
  )
})

describe("RedisAlertLimiter.layer on a Redis Cluster", () => {
  it.scoped("two replicas send each of 60 signatures once, whichever shard holds it", () =>
    Effect.gen(function* () {
      const logs = captureLimiterLogs()
      const prefix = uniquePrefix()
      const options = { nodes: redisClusterNodeUrls(), prefix, ceiling: 0 }
      const [a, b] = yield* Effect.all([
        limiterOf(RedisAlertLimiter.layer(options)),
        limiterOf(RedisAlertLimiter.layer(options))
      ]).pipe(Effect.provide(logs.layer))
      const signatures = Array.from(
        { length: 60 },
        (_, i) => `billing:charge:Error:HTTP 500 for shard test ${i}`
      )
      const sent = yield* Effect.forEach(
        signatures,
        (signature) =>
          Effect.map(
            Effect.all([a.check(signature), b.check(signature)], { concurrency: 2 }),
            ([x, y]) => Number(x.send) + Number(y.send)
          ),
        { concurrency: 8 }
      )
      expect(sent).toEqual(signatures.map(() => 1))
      expect(logs.limiterWarnings()).toEqual([])
      // The keys spread over the three masters: each holds some.
      const cluster = new Cluster(redisClusterNodes())
      yield* Effect.addFinalizer(() => Effect.promise(() => cluster.quit()))
      yield* Effect.promise(() => cluster.ping())
      const perMaster = yield* Effect.promise(() =>
        Promise.all(cluster.nodes("master").map(async (node) => (await node.keys(`${prefix}*`)).length))
      )
      expect(perMaster.length).toBe(3)
      expect(perMaster.every((count) => count > 0)).toBe(true)
      expect(perMaster.reduce((total, count) => total + count, 0)).toBe(60)
    })
  )

  it.scoped("uses a Cluster client of the user's and leaves it open", () =>
    Effect.gen(function* () {
      const client = new Cluster(redisClusterNodes())
      yield* Effect.addFinalizer(() => Effect.promise(() => client.quit()))
      const prefix = uniquePrefix()
      const decisions = yield* Effect.scoped(
        Effect.gen(function* () {
          const limiter = yield* limiterOf(RedisAlertLimiter.layer({ client, prefix }))
          return [yield* limiter.check("a"), yield* limiter.check("a")]
        })
      )
      expect(decisions.map((decision) => decision.send)).toEqual([true, false])
      expect(client.status).toBe("ready")
      expect(yield* Effect.promise(() => client.exists(signatureKey(prefix, "a")))).toBe(1)
    })
  )
})

describe("a Redis that restarts empty", () => {
  it.scoped("the replica that sent an alert writes it back, so another one does not send it again", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const url = Redacted.make(redisTestUrl())
      const sender = yield* limiterOf(RedisAlertLimiter.layer({ url, prefix }))
      const other = yield* limiterOf(RedisAlertLimiter.layer({ url, prefix }))
      const signature = "billing:charge:Error:HTTP 500"
      expect((yield* sender.check(signature)).send).toBe(true)
      const client = yield* redisClient(redisTestUrl())
      // Redis loses the record, as a restart without persistence does.
      yield* Effect.promise(() => client.del(signatureKey(prefix, signature)))
      yield* TestClock.adjust(REASSERT_INTERVAL)
      const written = yield* Effect.promise(() => client.hget(signatureKey(prefix, signature), "last"))
      expect(written).not.toBeNull()
      const decision = yield* other.check(signature)
      expect(decision.send).toBe(false)
    })
  )
})
