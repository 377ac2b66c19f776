/**
 * Many replicas, one alert: 8 Node processes, each with its own Redis limiter, ask 1,000 times
 * each at the same moment for one signature. Exactly one of the 8,000 asks may send.
 */
import { Duration } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_WINDOW } from "../src/AlertLimiter.js"
import { signatureKey, TTL_MARGIN_MILLIS } from "../src/internal/redis/scripts.js"
import { startChild } from "./support/child.js"
import { type Compiled, compileForNode } from "./support/compileForNode.js"
import { redisTestUrl, uniquePrefix } from "./support/redis.js"

let compiled: Compiled
beforeAll(() => {
  compiled = compileForNode(["test/fixtures/redisChild.ts"])
})
afterAll(() => compiled?.remove())

const startReplica = (url: string, prefix: string, signature: string, asks: number) =>
  startChild(compiled.path("test/fixtures/redisChild.ts"), [url, prefix, signature, String(asks)])

describe("RedisAlertLimiter.layer across processes", () => {
  it("8 processes asking 1,000 times each at once send one alert in total; the key has a TTL", async () => {
    const url = redisTestUrl()
    const prefix = uniquePrefix()
    const signature = "billing:spend_credits:Error:HTTP 500"
    const replicas = Array.from({ length: 8 }, () => startReplica(url, prefix, signature, 1_000))
    for (const replica of replicas) expect(await replica.nextLine()).toBe("ready")
    for (const replica of replicas) replica.child.stdin?.end("go\n")
    const results = await Promise.all(
      replicas.map(
        async (replica) => JSON.parse(await replica.nextLine()) as { sent: number; warnings: number }
      )
    )
    expect(await Promise.all(replicas.map((replica) => replica.exitCode))).toEqual(Array(8).fill(0))
    expect(results.map((result) => result.warnings)).toEqual(Array(8).fill(0))
    expect(results.reduce((total, result) => total + result.sent, 0)).toBe(1)

    const client = new Redis(url)
    try {
      const ttl = await client.pttl(signatureKey(prefix, signature))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(Duration.toMillis(DEFAULT_WINDOW) + TTL_MARGIN_MILLIS)
    } finally {
      await client.quit()
    }
  })
})
