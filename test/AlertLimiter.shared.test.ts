/** The shared limiter behaviour, against the memory layer, one Redis server and a Redis Cluster alike. */
import * as AlertLimiter from "../src/AlertLimiter.js"
import { behaviourSuite } from "./AlertLimiter.behaviour.js"
import { sharedClusterLayer, sharedRedisLayer } from "./support/redis.js"

behaviourSuite("layer", (options) => AlertLimiter.layer(options))
behaviourSuite("layerRedis", (options) => sharedRedisLayer(options))
behaviourSuite("layerRedis on a cluster", (options) => sharedClusterLayer(options))
