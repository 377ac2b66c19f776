/**
 * The registry of benchmark scenarios, run in this order by `bench/run.ts`.
 *
 * To add a scenario, write a standalone module that exports a `Scenario` (see `report.ts`: an id,
 * a title, and `run(settings)` returning rows and notes), import it here and append it to
 * `scenarios`, then remove its line from `pending`.
 */

import { scenario as budget } from "./budget.js"
import { scenario as circuitBreaker } from "./circuitBreaker.js"
import { scenario as delivery } from "./delivery.js"
import { scenario as limiter } from "./limiter.js"
import { scenario as memory } from "./memory.js"
import { scenario as operations } from "./operations.js"
import { scenario as redact } from "./redact.js"
import { scenario as redisLimiter } from "./redisLimiter.js"
import { scenario as replicas } from "./replicas.js"
import type { Scenario } from "./report.js"
import { scenario as runtime } from "./runtime.js"
import { scenario as sharedBudget } from "./sharedBudget.js"
import { scenario as storm } from "./storm.js"
import { scenario as successPath } from "./successPath.js"

export const scenarios: ReadonlyArray<Scenario> = [
  successPath,
  runtime,
  limiter,
  redisLimiter,
  replicas,
  memory,
  operations,
  storm,
  budget,
  sharedBudget,
  circuitBreaker,
  redact,
  delivery
]

/** Scenarios planned whose code does not exist yet: listed in the results file. */
export const pending: ReadonlyArray<string> = []
