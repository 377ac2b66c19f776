/**
 * Vitest global setup: gives the tests their servers. Installs the binaries (`redis-server`,
 * `prometheus-alertmanager`) when they are missing (see `binaries.ts`), then starts one shared
 * `redis-server` for the Redis tests, unless `REDIS_TEST_URL` names one already running, and one
 * shared Redis Cluster of three masters on loopback, unless `REDIS_CLUSTER_TEST_NODES` names one
 * (a JSON array of `{ host, port }`). The Alertmanager tests start their own servers.
 */
import type { TestProject } from "vitest/node"
import { ensureBinaries } from "./binaries.js"
import { type RedisCluster, startRedisCluster } from "./redisCluster.js"
import { type RedisServer, startRedisServer } from "./redisServer.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the shared Redis test server. */
    redisUrl: string
    /** JSON array of `{ host, port }`: the masters of the shared Redis Cluster (3 masters, no replicas). */
    redisClusterNodes: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.REDIS_TEST_URL
  const givenCluster = process.env.REDIS_CLUSTER_TEST_NODES
  ensureBinaries([
    { command: "redis-server", debianPackage: "redis-server" },
    { command: "prometheus-alertmanager", debianPackage: "prometheus-alertmanager" }
  ])
  let server: RedisServer | undefined
  let cluster: RedisCluster | undefined
  const stop = async () => {
    await Promise.all([server?.stop(), cluster?.stop()])
  }
  try {
    if (given !== undefined && given !== "") {
      project.provide("redisUrl", given)
    } else {
      server = await startRedisServer()
      project.provide("redisUrl", server.url)
    }
    if (givenCluster !== undefined && givenCluster !== "") {
      project.provide("redisClusterNodes", givenCluster)
    } else {
      cluster = await startRedisCluster()
      project.provide("redisClusterNodes", JSON.stringify(cluster.nodes))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return server === undefined && cluster === undefined ? undefined : stop
}
