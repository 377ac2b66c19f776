/** The incident store's behaviour, against the memory store and the Redis stores (one server, a cluster) alike. */
import { Layer, Redacted } from "effect"
import { Incidents, makeMemory } from "../src/internal/incidents.js"
import * as RedisAlertLimiter from "../src/RedisAlertLimiter.js"
import * as RedisIncidents from "../src/RedisIncidents.js"
import { incidentsSuite } from "./Incidents.behaviour.js"
import { redisClusterNodeUrls, redisTestUrl, uniquePrefix } from "./support/redis.js"

incidentsSuite("memory", (options) => Layer.effect(Incidents, makeMemory(options)))
incidentsSuite("RedisIncidents.layer", (options) =>
  RedisIncidents.layer({ url: Redacted.make(redisTestUrl()), prefix: uniquePrefix(), ...options })
)
incidentsSuite("RedisAlertLimiter.layer", (options) =>
  RedisAlertLimiter.layer({ url: Redacted.make(redisTestUrl()), prefix: uniquePrefix(), ...options })
)
incidentsSuite("RedisIncidents.layer on a cluster", (options) =>
  RedisIncidents.layer({ nodes: redisClusterNodeUrls(), prefix: uniquePrefix(), ...options })
)
incidentsSuite("RedisAlertLimiter.layer on a cluster", (options) =>
  RedisAlertLimiter.layer({ nodes: redisClusterNodeUrls(), prefix: uniquePrefix(), ...options })
)
