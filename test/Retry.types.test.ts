/**
 * The types of the retry combinators, checked by `tsc` (`npm run typecheck` compiles test/): in
 * pipe form `while` and `retryAfter` get the effect's error type, as `Effect.retry({ while })`
 * does; a `schedule` that needs a service adds it to the requirements. A wrong use is a compile
 * error (`@ts-expect-error` fails the typecheck when it is not). The runtime checks only that the
 * inferred callbacks are the ones called.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Context, Data, Duration, Effect, Layer, Schedule } from "effect"
import { AlertLimiter, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"

class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly retryAfterSeconds?: number | undefined
}> {}
class Timeout extends Data.TaggedError("Timeout")<{}> {}

/** A service a schedule may need. */
class Pacing extends Context.Tag("test/Pacing")<Pacing, { readonly delay: Duration.Duration }>() {}

// Built, never run: the assertions below are about types.
const fetchUser: Effect.Effect<string, HttpError> = Effect.fail(new HttpError({ status: 503 }))
const fetchOrTimeout: Effect.Effect<string, HttpError | Timeout> = Effect.fail(new Timeout())

// Pipe form: `error` is the effect's error, with no type written.
const piped = fetchUser.pipe(Retry.retry({ name: "getUser", while: (error) => error.status >= 500 }))
expectTypeOf(piped).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements>>()

const asked = fetchUser.pipe(
  Retry.retry({
    name: "getUser",
    retryAfter: (error, _now) =>
      error.retryAfterSeconds === undefined ? undefined : Duration.seconds(error.retryAfterSeconds)
  })
)
expectTypeOf(asked).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements>>()

// A union of errors: the callback narrows it as Effect.retry's would.
const narrowed = fetchOrTimeout.pipe(
  Retry.retry({ name: "getUser", while: (error) => error._tag === "Timeout" || error.status >= 500 })
)
expectTypeOf(narrowed).toEqualTypeOf<Effect.Effect<string, HttpError | Timeout, Retry.Requirements>>()

// A predicate on `unknown` (Retry.isTransientHttpError) keeps the effect's error type.
const transient = fetchUser.pipe(Retry.retry({ name: "getUser", while: Retry.isTransientHttpError }))
expectTypeOf(transient).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements>>()

// connRetry's retryAfter too.
const connected = fetchUser.pipe(
  Retry.connRetry("users", "connect", { retryAfter: (error) => Duration.seconds(error.status) })
)
expectTypeOf(connected).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements>>()

// @ts-expect-error `error` is an HttpError: it has no `code`.
fetchUser.pipe(Retry.retry({ name: "getUser", while: (error) => error.code === "ECONNRESET" }))

// @ts-expect-error a predicate on HttpError cannot judge the Timeout this effect may fail with.
fetchOrTimeout.pipe(Retry.retry({ name: "getUser", while: (error: HttpError) => error.status >= 500 }))

// Options without a callback keep the error of whatever effect the combinator is given later.
const withRetry = Retry.retry({ name: "getUser", maxAttempts: 3 })
expectTypeOf(withRetry(fetchUser)).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements>>()
// Built apart from its effect, a callback takes the type it declares.
const judged = Retry.retry({ name: "getUser", while: (error: HttpError) => error.status >= 500 })
expectTypeOf(judged(fetchUser)).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements>>()
// Data-first: the effect comes first, so the callback knows its error.
const dataFirst = Retry.retry(fetchUser, { name: "getUser", while: (error) => error.status >= 500 })
expectTypeOf(dataFirst).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements>>()

// A schedule that needs a service: the service joins the effect's requirements.
const paced = Schedule.spaced("1 second").pipe(
  Schedule.modifyDelayEffect(() => Effect.map(Pacing, (pacing) => pacing.delay))
)
const scheduled = fetchUser.pipe(Retry.retry({ name: "getUser", schedule: paced }))
expectTypeOf(scheduled).toEqualTypeOf<Effect.Effect<string, HttpError, Retry.Requirements | Pacing>>()
const policy = Retry.policy({ name: "getUser", schedule: paced })
expectTypeOf(policy).toEqualTypeOf<Schedule.Schedule<unknown, unknown, Retry.Requirements | Pacing>>()

// A schedule that reads the error: it must accept the effect's error.
const byStatus = Schedule.recurWhile((error: HttpError) => error.status >= 500)
expectTypeOf(fetchUser.pipe(Retry.retry({ name: "getUser", schedule: byStatus }))).toEqualTypeOf<
  Effect.Effect<string, HttpError, Retry.Requirements>
>()
// @ts-expect-error a schedule of HttpError cannot judge a Timeout.
fetchOrTimeout.pipe(Retry.retry({ name: "getUser", schedule: byStatus }))

describe("Retry types", () => {
  it.effect("the callbacks typed from the effect are the ones called, with its errors", () =>
    Effect.gen(function* () {
      const seen: Array<number> = []
      let calls = 0
      const op = Effect.suspend(() =>
        calls++ < 2 ? Effect.fail(new HttpError({ status: 503 })) : Effect.succeed("ok")
      )
      const result = yield* runPastBackoff(
        op.pipe(
          Retry.retry({
            name: "typed",
            while: (error) => seen.push(error.status) > 0,
            schedule: Schedule.spaced("1 second").pipe(
              Schedule.modifyDelayEffect(() => Effect.map(Pacing, (pacing) => pacing.delay))
            )
          })
        )
      )
      expect(result._tag).toBe("Success")
      expect(seen).toEqual([503, 503])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          AlertLimiter.layer(),
          NotifierTest.layer(),
          Layer.succeed(Pacing, { delay: Duration.seconds(2) })
        )
      )
    )
  )
})
