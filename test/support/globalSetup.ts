/**
 * Vitest global setup: gives the tests their servers. Installs the binaries (`redis-server`,
 * `prometheus-alertmanager`) when they are missing (see `binaries.ts`), then starts one shared
 * `redis-server` for the Redis tests, unless `REDIS_TEST_URL` names one already running. The
 * Alertmanager tests start their own servers.
 */
import type { TestProject } from "vitest/node"
import { ensureBinaries } from "./binaries.js"
import { startRedisServer } from "./redisServer.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the shared Redis test server. */
    redisUrl: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.REDIS_TEST_URL
  ensureBinaries([
    { command: "redis-server", debianPackage: "redis-server" },
    { command: "prometheus-alertmanager", debianPackage: "prometheus-alertmanager" }
  ])
  if (given !== undefined && given !== "") {
    project.provide("redisUrl", given)
    return undefined
  }
  const server = await startRedisServer()
  project.provide("redisUrl", server.url)
  return () => server.stop()
}
