/** The circuit breaker: the contract on the memory store, and its options. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CircuitBreaker, InvalidOptionError } from "../src/index.js"
import { breakerSuite, callTimes } from "./CircuitBreaker.behaviour.js"

breakerSuite("CircuitBreaker.layer", (options) => CircuitBreaker.layer(options))

describe("CircuitBreaker: options", () => {
  const invalid = (options: CircuitBreaker.Options, option: string) => {
    try {
      CircuitBreaker.layer(options)
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect((error as InvalidOptionError).option).toBe(option)
      return (error as InvalidOptionError).message
    }
    throw new Error(`no error for ${option}`)
  }

  it("invalid options fail at construction, naming the option", () => {
    expect(invalid({ failureRate: 1.5 }, "failureRate")).toBe(
      'Invalid option "failureRate": must be a number above 0 and at most 1 (a share of the calls), got 1.5'
    )
    invalid({ failureRate: 0 }, "failureRate")
    invalid({ consecutiveFailures: 0 }, "consecutiveFailures")
    invalid({ minimumCalls: 1.5 }, "minimumCalls")
    invalid({ window: "-1 seconds" }, "window")
    invalid({ slowCalls: { duration: "soon" as never } }, "slowCalls.duration")
    invalid({ slowCalls: { duration: "1 second", rate: 2 } }, "slowCalls.rate")
    invalid({ openFor: "5 seconds" as never }, "openFor")
    invalid({ probes: 0 }, "probes")
    invalid({ mode: "off" as never }, "mode")
    invalid({ isFailure: true as never }, "isFailure")
    invalid({ maxKeys: 0 }, "maxKeys")
  })

  it.effect("a throwing isFailure counts the failure", () =>
    Effect.gen(function* () {
      yield* callTimes("users", Effect.fail("x"), 1)
      expect(yield* CircuitBreaker.state("users")).toBe("open")
    }).pipe(
      Effect.provide(
        CircuitBreaker.layer({
          consecutiveFailures: 1,
          isFailure: () => {
            throw new Error("bad predicate")
          }
        })
      )
    )
  )
})
