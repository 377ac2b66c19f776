/**
 * Vitest global setup: gives the Redis tests a server. `REDIS_TEST_URL` wins (CI starts its own
 * server and sets it); otherwise a `redis-server` is started here and stopped after the run.
 * When neither is possible the Redis tests fail with the reason: they never skip.
 */
import type { TestProject } from "vitest/node"
import { startRedisServer } from "./redisServer.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the shared test server, or "" when there is none. */
    redisUrl: string
    /** Why there is no shared test server. */
    redisProblem: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.REDIS_TEST_URL
  if (given !== undefined && given !== "") {
    project.provide("redisUrl", given)
    project.provide("redisProblem", "")
    return undefined
  }
  try {
    const server = await startRedisServer()
    project.provide("redisUrl", server.url)
    project.provide("redisProblem", "")
    return () => server.stop()
  } catch (error) {
    project.provide("redisUrl", "")
    project.provide("redisProblem", error instanceof Error ? error.message : String(error))
    return undefined
  }
}
