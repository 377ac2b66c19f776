/**
 * Replicas in a storm: N Node processes (`test/fixtures/stormChild.ts`), each with 200 fibers
 * failing with one signature and then recovering, share one `redis-server` through
 * `RedisAlertLimiter.layer` (defaults). Counts the firing and resolved events delivered in all,
 * the scripts Redis ran (the decisions' round trips), and Redis commands per second.
 */

import { compileForNode } from "../test/support/compileForNode.js"
import { startRedisServer } from "../test/support/redisServer.js"
import { runStorm } from "../test/support/storm.js"
import type { Row, Scenario } from "./report.js"

export const scenario: Scenario = {
  id: "replicas",
  title: "Replicas in a storm (Redis)",
  run: async (settings) => {
    const counts = settings.quick ? [2] : [8, 32]
    const fibers = settings.quick ? 20 : 200
    const given = process.env.REDIS_BENCH_URL || process.env.REDIS_TEST_URL || undefined
    const server = given === undefined ? await startRedisServer() : undefined
    const url = given ?? server!.url
    const compiled = compileForNode(["test/fixtures/stormChild.ts"])
    const rows: Array<Row> = []
    try {
      for (const replicas of counts) {
        const result = await runStorm(compiled, {
          url,
          prefix: `bench:replicas:${process.pid}:${replicas}:`,
          replicas,
          fibers
        })
        const label = `replicas: ${replicas} processes x ${fibers} fibers, one signature`
        rows.push(
          {
            name: `${label}: firing events`,
            figure: result.firing,
            unit: "events",
            target: { kind: "equals", value: 1 }
          },
          {
            name: `${label}: resolved events`,
            figure: result.resolved,
            unit: "events",
            target: { kind: "equals", value: 1 }
          },
          {
            name: `${label}: replicas that decided alone`,
            figure: result.warnings,
            unit: "warnings",
            target: { kind: "equals", value: 0 }
          },
          { name: `${label}: scripts (round trips)`, figure: result.scripts, unit: "scripts" },
          {
            name: `${label}: Redis commands per second`,
            figure: Math.round(result.commands / (result.millis / 1000)),
            unit: "commands/s"
          }
        )
      }
    } finally {
      compiled.remove()
      await server?.stop()
    }
    return {
      rows,
      notes: [
        `Replicas: separate Node processes, each with \`RedisAlertLimiter.layer\` (defaults: 250 ms timeout), a counting notifier and ${fibers} fibers retrying one failing call every 20 ms with \`alertAt: { attempts: 3 }\`. Once every fiber has failed 4 times the call recovers. Scripts and commands are Redis's own counts (\`INFO commandstats\`) from "go" to the last report, the incident sync and pub/sub included.`
      ]
    }
  }
}
