/**
 * A storm across replicas: `replicas` Node processes (`test/fixtures/stormChild.ts`), each with
 * `fibers` fibers failing with one signature and then recovering, all sharing one Redis. Used by
 * the cross-process test and by the bench.
 */
import { Redis } from "ioredis"
import { startChild } from "./child.js"
import type { Compiled } from "./compileForNode.js"

export interface StormResult {
  /** Firing events delivered, summed over the replicas. */
  readonly firing: number
  /** Resolved events delivered, summed over the replicas. */
  readonly resolved: number
  /** Warnings about Redis the replicas logged (each one is a replica deciding alone). */
  readonly warnings: number
  /** Commands Redis ran during the storm (`INFO commandstats`), scripts included. */
  readonly commands: number
  /** Scripts (`EVALSHA`/`EVAL` calls) Redis ran during the storm: the decisions' round trips. */
  readonly scripts: number
  /** Real milliseconds from "go" to the last replica's report. */
  readonly millis: number
}

const commandCounts = async (client: Redis): Promise<{ all: number; scripts: number }> => {
  const info = await client.info("commandstats")
  let all = 0
  let scripts = 0
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) {
    const calls = Number(match[2])
    all += calls
    if (match[1] === "evalsha" || match[1] === "eval") scripts += calls
  }
  return { all, scripts }
}

export const runStorm = async (
  compiled: Compiled,
  options: { url: string; prefix: string; replicas: number; fibers: number; timeout?: string }
): Promise<StormResult> => {
  const script = compiled.path("test/fixtures/stormChild.ts")
  const args = [
    options.url,
    options.prefix,
    String(options.fibers),
    ...(options.timeout ? [options.timeout] : [])
  ]
  const children = Array.from({ length: options.replicas }, () => startChild(script, args))
  const client = new Redis(options.url)
  try {
    for (const child of children) {
      const line = await child.nextLine()
      if (line !== "ready") throw new Error(`a replica said ${line}`)
    }
    const before = await commandCounts(client)
    const started = performance.now()
    for (const child of children) child.child.stdin!.write("go\n")
    for (const child of children) {
      const line = await child.nextLine()
      if (line !== "failing") throw new Error(`a replica said ${line}`)
    }
    for (const child of children) child.child.stdin!.write("recover\n")
    const reports = await Promise.all(
      children.map(
        async (child) =>
          JSON.parse(await child.nextLine()) as { firing: number; resolved: number; warnings: number }
      )
    )
    const millis = performance.now() - started
    const after = await commandCounts(client)
    const codes = await Promise.all(children.map((child) => child.exitCode))
    if (codes.some((code) => code !== 0)) throw new Error(`replicas exited with ${codes.join(", ")}`)
    const sum = (field: "firing" | "resolved" | "warnings") =>
      reports.reduce((total, report) => total + report[field], 0)
    return {
      firing: sum("firing"),
      resolved: sum("resolved"),
      warnings: sum("warnings"),
      // INFO itself counts once.
      commands: after.all - before.all - 1,
      scripts: after.scripts - before.scripts,
      millis
    }
  } finally {
    for (const child of children) child.child.kill()
    await client.quit()
  }
}
