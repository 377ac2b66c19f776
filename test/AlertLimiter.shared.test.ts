/** The shared limiter behaviour, against the memory layer and the Redis layer alike. */
import * as AlertLimiter from "../src/AlertLimiter.js"
import { behaviourSuite } from "./AlertLimiter.behaviour.js"
import { sharedRedisLayer } from "./support/redis.js"

behaviourSuite("layerMemory", (options) => AlertLimiter.layerMemory(options))
behaviourSuite("layerRedis", (options) => sharedRedisLayer(options))
