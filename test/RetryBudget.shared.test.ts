/** The retry budget's contract, against the memory budget and the Redis budget (one server, a cluster) alike. */
import { Redacted } from "effect"
import * as RedisRetryBudget from "../src/RedisRetryBudget.js"
import * as RetryBudget from "../src/RetryBudget.js"
import { budgetSuite, SYNC_INTERVAL } from "./RetryBudget.behaviour.js"
import { redisClusterNodeUrls, redisTestUrl, uniquePrefix } from "./support/redis.js"

budgetSuite("RetryBudget.layer", (options) => RetryBudget.layer(options), { syncs: false })
budgetSuite(
  "RedisRetryBudget.layer",
  (options) =>
    RedisRetryBudget.layer({
      url: Redacted.make(redisTestUrl()),
      prefix: uniquePrefix(),
      flushInterval: SYNC_INTERVAL,
      ...options
    }),
  { syncs: true }
)
budgetSuite(
  "RedisRetryBudget.layer on a cluster",
  (options) =>
    RedisRetryBudget.layer({
      nodes: redisClusterNodeUrls(),
      prefix: uniquePrefix(),
      flushInterval: SYNC_INTERVAL,
      ...options
    }),
  { syncs: true }
)
