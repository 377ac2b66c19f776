/**
 * Incidents across processes, through a real redis-server: one process fires the alert; 4 others
 * recover at the same moment, each after a failure (so each asks Redis): one resolved event in all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startChild } from "./support/child.js"
import { type Compiled, compileForNode } from "./support/compileForNode.js"
import { redisTestUrl, uniquePrefix } from "./support/redis.js"

let compiled: Compiled
beforeAll(() => {
  compiled = compileForNode(["test/fixtures/incidentChild.ts"])
})
afterAll(() => compiled?.remove())

interface Printed {
  readonly _tag: "Firing" | "Resolved"
  readonly dedupKey: string
}

const start = (url: string, prefix: string, role: "fire" | "recover") => {
  const replica = startChild(compiled.path("test/fixtures/incidentChild.ts"), [url, prefix, role])
  /** Lines up to and including `until`; the JSON ones are events. */
  const readUntil = async (until: string) => {
    const events: Array<Printed> = []
    for (let line = await replica.nextLine(); line !== until; line = await replica.nextLine()) {
      events.push(JSON.parse(line) as Printed)
    }
    return events
  }
  return { ...replica, readUntil }
}

describe("incidents across processes", () => {
  it("one process fires; of 4 recovering at once, exactly one sends the resolved event", async () => {
    const url = redisTestUrl()
    const prefix = uniquePrefix()
    const firing = start(url, prefix, "fire")
    const fired = await firing.readUntil("done")
    expect(await firing.exitCode).toBe(0)
    expect(fired.map((event) => event._tag)).toEqual(["Firing"])

    const recovering = Array.from({ length: 4 }, () => start(url, prefix, "recover"))
    for (const replica of recovering) expect(await replica.readUntil("ready")).toEqual([])
    for (const replica of recovering) replica.child.stdin?.end("go\n")
    const events = (await Promise.all(recovering.map((replica) => replica.readUntil("done")))).flat()
    expect(await Promise.all(recovering.map((replica) => replica.exitCode))).toEqual([0, 0, 0, 0])
    expect(events).toEqual([{ _tag: "Resolved", dedupKey: fired[0]!.dedupKey, pid: expect.any(Number) }])
  }, 60_000)
})
