/**
 * Incidents across processes, through a real redis-server: each replica is a Node process with
 * the Redis alert services (`test/fixtures/incidentChild.ts`) and a notifier that prints events.
 *
 * - A replica started after the firing resolves the incident with a first-attempt success.
 * - After a FLUSHALL, the firing replica's success still sends its resolved event.
 * - Five replicas (the firing one among them) succeed at once: one resolved event in all.
 */
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startChild } from "./support/child.js"
import { type Compiled, compileForNode } from "./support/compileForNode.js"
import { redisTestUrl, uniquePrefix } from "./support/redis.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"

let compiled: Compiled
beforeAll(() => {
  compiled = compileForNode(["test/fixtures/incidentChild.ts"])
})
afterAll(() => compiled?.remove())

interface Printed {
  readonly _tag: "Firing" | "Resolved"
  readonly dedupKey: string
  readonly pid: number
}

type Role = "fire" | "fire-hold" | "recover" | "recover-first"

const start = (url: string, prefix: string, role: Role) => {
  const replica = startChild(compiled.path("test/fixtures/incidentChild.ts"), [url, prefix, role])
  /** Lines up to and including `until`; the JSON ones are events. */
  const readUntil = async (until: string) => {
    const events: Array<Printed> = []
    for (let line = await replica.nextLine(); line !== until; line = await replica.nextLine()) {
      events.push(JSON.parse(line) as Printed)
    }
    return events
  }
  return { ...replica, readUntil, go: () => replica.child.stdin?.end("go\n") }
}

/** A redis-server of the test's own (FLUSHALL must not touch the other tests' data). */
const withOwnServer = async (body: (server: RedisServer) => Promise<void>) => {
  const server = await startRedisServer()
  try {
    await body(server)
  } finally {
    await server.stop()
  }
}

describe("incidents across processes (RedisAlertLimiter.layer)", () => {
  it("a replica started after the firing resolves it with a first-attempt success: one Resolved, same key", async () => {
    const url = redisTestUrl()
    const prefix = uniquePrefix()
    const firing = start(url, prefix, "fire")
    const fired = await firing.readUntil("done")
    expect(await firing.exitCode).toBe(0)
    expect(fired.map((event) => event._tag)).toEqual(["Firing"])

    const later = start(url, prefix, "recover-first")
    expect(await later.readUntil("ready")).toEqual([])
    later.go()
    const events = await later.readUntil("done")
    expect(await later.exitCode).toBe(0)
    expect(events).toEqual([{ _tag: "Resolved", dedupKey: fired[0]!.dedupKey, pid: later.child.pid }])
  }, 60_000)

  it("after FLUSHALL, the firing replica's first-attempt success still sends its Resolved", async () => {
    await withOwnServer(async (server) => {
      const prefix = uniquePrefix()
      const firing = start(server.url, prefix, "fire-hold")
      const fired = await firing.readUntil("fired")
      expect(fired.map((event) => event._tag)).toEqual(["Firing"])
      const admin = new Redis(server.url)
      try {
        expect(await admin.keys(`${prefix}incident:*`)).toHaveLength(1)
        await admin.flushall()
        expect(await admin.dbsize()).toBe(0)
      } finally {
        await admin.quit()
      }
      firing.go()
      const events = await firing.readUntil("done")
      expect(await firing.exitCode).toBe(0)
      expect(events).toEqual([{ _tag: "Resolved", dedupKey: fired[0]!.dedupKey, pid: firing.child.pid }])
    })
  }, 60_000)

  it("the firing replica and 4 others succeed at once: exactly one Resolved in all", async () => {
    const url = redisTestUrl()
    const prefix = uniquePrefix()
    const firing = start(url, prefix, "fire-hold")
    const fired = await firing.readUntil("fired")
    expect(fired.map((event) => event._tag)).toEqual(["Firing"])
    const others = Array.from({ length: 4 }, () => start(url, prefix, "recover-first"))
    for (const replica of others) expect(await replica.readUntil("ready")).toEqual([])
    const all = [firing, ...others]
    for (const replica of all) replica.go()
    const events = (await Promise.all(all.map((replica) => replica.readUntil("done")))).flat()
    expect(await Promise.all(all.map((replica) => replica.exitCode))).toEqual([0, 0, 0, 0, 0])
    expect(events).toEqual([{ _tag: "Resolved", dedupKey: fired[0]!.dedupKey, pid: expect.any(Number) }])
  }, 60_000)
})
