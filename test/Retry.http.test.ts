/**
 * The HTTP helpers against a real server on 127.0.0.1: which failures are worth another try, and
 * the wait a `Retry-After` header asks for.
 */
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, TestClock } from "effect"
import { AlertLimiter, NotifierTest, Retry } from "../src/index.js"
import { awaitSleeps, drive } from "./support/clockDriver.js"
import * as HttpServer from "./support/httpServer.js"

/** GET `url` with the fetch client; non-2xx answers fail with a ResponseError. */
const get = (url: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client
      .pipe(HttpClient.filterStatusOk)
      .get(url)
      .pipe(Effect.flatMap((response) => response.text))
  ).pipe(Effect.provide(FetchHttpClient.layer))

describe("Retry.isTransientHttpError", () => {
  it.scoped("is true for 408, 429, 500, 502, 503, 504, transport errors and timeouts; false otherwise", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const verdicts: Record<number, boolean> = {}
      for (const status of [400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504]) {
        yield* server.reply({ status })
        verdicts[status] = Retry.isTransientHttpError(yield* Effect.flip(get(`${server.origin}/x`)))
      }
      expect(verdicts).toEqual({
        400: false,
        401: false,
        403: false,
        404: false,
        408: true,
        409: false,
        422: false,
        429: true,
        500: true,
        501: false,
        502: true,
        503: true,
        504: true
      })

      const refused = yield* Effect.flip(get(`${yield* HttpServer.closedOrigin}/x`))
      expect(refused._tag).toBe("RequestError")
      expect(Retry.isTransientHttpError(refused)).toBe(true)

      // A server that never answers, cut by Effect.timeout on the TestClock.
      yield* server.reply("hang")
      const fiber = yield* Effect.fork(
        Effect.flip(get(`${server.origin}/slow`).pipe(Effect.timeout("5 seconds")))
      )
      yield* awaitSleeps(fiber, 1)
      yield* TestClock.adjust("5 seconds")
      expect(Retry.isTransientHttpError(yield* Fiber.join(fiber))).toBe(true)

      for (const other of [new Error("HTTP 503"), null, "503", { status: 503 }]) {
        expect(Retry.isTransientHttpError(other)).toBe(false)
      }
    })
  )
})

describe("Retry.httpRetryAfter", () => {
  it.scoped("reads delta-seconds and HTTP dates (from the response's Date), and nothing else", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const waitOf = (headers: Record<string, string>, now = 0) =>
        Effect.gen(function* () {
          yield* server.reply({ status: 429, headers, sendDate: headers.date !== undefined })
          return Retry.httpRetryAfter(yield* Effect.flip(get(`${server.origin}/x`)), now)
        })
      expect(yield* waitOf({ "retry-after": "2" })).toEqual(Duration.seconds(2))
      expect(yield* waitOf({ "retry-after": "1.5" })).toEqual(Duration.millis(1500))
      expect(
        yield* waitOf({
          date: "Sat, 28 Nov 2026 10:00:00 GMT",
          "retry-after": "Sat, 28 Nov 2026 10:00:30 GMT"
        })
      ).toEqual(Duration.seconds(30))
      // Without a Date header, an HTTP date counts from `now`; a date in the past is no wait.
      const at = Date.parse("Sat, 28 Nov 2026 10:00:00 GMT")
      expect(yield* waitOf({ "retry-after": "Sat, 28 Nov 2026 10:01:00 GMT" }, at)).toEqual(
        Duration.minutes(1)
      )
      expect(yield* waitOf({ "retry-after": "Sat, 28 Nov 2026 09:00:00 GMT" }, at)).toEqual(Duration.zero)
      expect(yield* waitOf({ "retry-after": "soon" })).toBeUndefined()
      expect(yield* waitOf({})).toBeUndefined()
      expect(Retry.httpRetryAfter(new Error("429"), 0)).toBeUndefined()
    })
  )

  it.scoped("with Retry.retry: a 429 asking for 2 s is waited exactly 2 s, then the 200 comes back", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply(
        { status: 429, headers: { "retry-after": "2" } },
        { status: 200, body: "price: 42" }
      )
      const retried = get(`${server.origin}/price`).pipe(
        Retry.retry({
          name: "getPrice",
          while: Retry.isTransientHttpError,
          retryAfter: Retry.httpRetryAfter,
          maxWait: "500 millis"
        })
      )
      const fiber = yield* Effect.fork(Effect.exit(retried))
      const { result, waits } = yield* drive(fiber, 1)
      expect(result).toEqual(Exit.succeed("price: 42"))
      expect(waits).toEqual([2000])
      expect(yield* server.requests).toHaveLength(2)
    }).pipe(Effect.provide(Layer.merge(AlertLimiter.layer(), NotifierTest.layer())))
  )
})
