/** The circuit breaker's contract against the Redis store: one server, and a Redis Cluster. */
import { Redacted } from "effect"
import * as RedisCircuitBreaker from "../src/RedisCircuitBreaker.js"
import { breakerSuite } from "./CircuitBreaker.behaviour.js"
import { redisClusterNodeUrls, redisTestUrl, uniquePrefix } from "./support/redis.js"

// Polls only at build: a test runs in one process, which knows its own writes.
const pollInterval = "1 day"

breakerSuite("RedisCircuitBreaker.layer", (options) =>
  RedisCircuitBreaker.layer({
    url: Redacted.make(redisTestUrl()),
    prefix: uniquePrefix(),
    pollInterval,
    ...options
  })
)
breakerSuite("RedisCircuitBreaker.layer on a cluster", (options) =>
  RedisCircuitBreaker.layer({
    nodes: redisClusterNodeUrls(),
    prefix: uniquePrefix(),
    pollInterval,
    ...options
  })
)
