/**
 * The Redis Cluster test support (`support/redisCluster.ts`): a real 3-master cluster on
 * 127.0.0.1 spreads slots over its masters, refuses scripts across slots (CROSSSLOT), and
 * redirects a plain client that asks the wrong node (MOVED).
 */
import { Cluster, Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisCluster, startRedisCluster } from "./support/redisCluster.js"

let cluster: RedisCluster
let client: Cluster

/** The port of the master that owns `slot`, from CLUSTER SLOTS. */
const ownerPort = async (slot: number): Promise<number> => {
  const ranges = await client.cluster("SLOTS")
  const range = ranges.find(([from, to]) => from <= slot && slot <= to)
  if (range === undefined) throw new Error(`no master owns slot ${slot}`)
  return range[2]![1]
}

describe("a local Redis Cluster", () => {
  beforeAll(async () => {
    cluster = await startRedisCluster()
    client = new Cluster(cluster.nodes, { clusterRetryStrategy: () => null })
    await new Promise<void>((resolve, reject) => {
      client.once("ready", () => resolve())
      client.once("error", reject)
    })
  })

  afterAll(async () => {
    await client?.quit().catch(() => "closed")
    await cluster?.stop()
  })

  it("has three masters, and keys of different slots live on different masters", async () => {
    expect(cluster.nodes).toHaveLength(3)
    expect(cluster.urls).toEqual(cluster.nodes.map(({ host, port }) => `redis://${host}:${port}`))
    expect(client.nodes("master")).toHaveLength(3)

    const slotA = (await client.cluster("KEYSLOT", "{a}x")) as number
    const slotB = (await client.cluster("KEYSLOT", "{b}y")) as number
    expect(slotA).toBe(15495)
    expect(slotB).toBe(3300)
    expect(await client.cluster("KEYSLOT", "{a}other")).toBe(slotA)
    const ownerA = await ownerPort(slotA)
    const ownerB = await ownerPort(slotB)
    expect(ownerA).not.toBe(ownerB)
    expect(cluster.nodes.map(({ port }) => port)).toEqual(expect.arrayContaining([ownerA, ownerB]))

    await client.set("{a}x", "1")
    await client.set("{b}y", "2")
    expect(await client.get("{a}x")).toBe("1")
    expect(await client.get("{b}y")).toBe("2")
  })

  it("refuses a script touching keys of two slots with CROSSSLOT", async () => {
    await expect(
      client.eval("return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}", 2, "{a}x", "{b}y")
    ).rejects.toThrow(/CROSSSLOT/)
  })

  it("answers MOVED to a plain client asking a node that does not own the key", async () => {
    const ownerA = await ownerPort(15495)
    const other = cluster.nodes.find(({ port }) => port !== ownerA)!
    const plain = new Redis(other.port, other.host, { lazyConnect: true, maxRetriesPerRequest: 0 })
    try {
      await plain.connect()
      await expect(plain.get("{a}x")).rejects.toThrow(new RegExp(`^MOVED 15495 127\\.0\\.0\\.1:${ownerA}$`))
    } finally {
      await plain.quit().catch(() => "closed")
    }
  })

  it("flushAll empties every master", async () => {
    await client.set("{a}x", "1")
    await client.set("{b}y", "2")
    await cluster.flushAll()
    expect(await client.get("{a}x")).toBeNull()
    expect(await client.get("{b}y")).toBeNull()
    for (const master of client.nodes("master")) expect(await master.dbsize()).toBe(0)
  })
})
