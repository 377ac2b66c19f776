/**
 * A storm across replicas: 8 Node processes, each with 200 fibers failing with one signature
 * (`alertAt: { attempts: 3 }`) and then recovering, share one `redis-server`. However busy their
 * event loops are, the replicas decide together: one firing event and one resolved event in all,
 * and no replica says it decides alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Compiled, compileForNode } from "./support/compileForNode.js"
import { redisTestUrl, uniquePrefix } from "./support/redis.js"
import { runStorm } from "./support/storm.js"

let compiled: Compiled
beforeAll(() => {
  compiled = compileForNode(["test/fixtures/stormChild.ts"])
})
afterAll(() => compiled?.remove())

describe("RedisAlertLimiter.layer in a storm across processes", () => {
  it("8 replicas x 200 fibers, one signature: one firing and one resolved event in all", async () => {
    const result = await runStorm(compiled, {
      url: redisTestUrl(),
      prefix: uniquePrefix(),
      replicas: 8,
      fibers: 200
    })
    expect({ firing: result.firing, resolved: result.resolved, warnings: result.warnings }).toEqual({
      firing: 1,
      resolved: 1,
      warnings: 0
    })
    // A recovery makes about one round trip per replica, not one per fiber.
    expect(result.scripts).toBeLessThan(8 * 4)
  }, 120_000)
})
