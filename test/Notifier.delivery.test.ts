/**
 * Delivery off the caller's path (issue 18, "Done when"), against real HTTP servers on 127.0.0.1
 * that hang, answer slowly or refuse. Each notifier layer hands an event to its bounded queue and
 * returns; `concurrency` fibers in the layer's scope deliver it. The caller never waits for a
 * destination; a full queue drops (counted, logged once a minute); releasing the layer drains
 * within `drainTimeout` and logs what is left; `timeout` counts from the hand-over.
 *
 * Waits are event-driven: a test waits for the server to record a request, for a log line to be
 * written, or for the layer's release; the TestClock moves every deadline (`it.live` only where
 * the caller's time on the real clock is what is measured).
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Context,
  Duration,
  Effect,
  Exit,
  Fiber,
  FiberRef,
  HashMap,
  HashSet,
  Layer,
  Logger,
  LogLevel,
  Metric,
  Option,
  Queue,
  Redacted,
  Schedule,
  Scope,
  TestClock,
  TestServices
} from "effect"
import {
  Alert,
  AlertLimiter,
  AlertmanagerNotifier,
  DiscordNotifier,
  Incidents,
  Metrics,
  Notifier,
  PagerDutyNotifier,
  Retry,
  SlackNotifier
} from "../src/index.js"
import { ioTurn } from "./support/clockDriver.js"
import { firing, resolved } from "./support/events.js"
import * as HttpServer from "./support/httpServer.js"
import { expectInvalidOption } from "./support/options.js"

const TOKEN = "D3l1very-T0ken_abcDEFghiJKLmno1234567890"
const WEBHOOK_PATH = `/api/webhooks/123456789/${TOKEN}`

/** One log line, as a test reads it. */
interface Line {
  readonly level: string
  readonly message: string
  readonly cause: string
  readonly annotations: Record<string, unknown>
}

/**
 * A logger that records every line (every level) and signals each one, so that a test waits for a
 * line to be written instead of polling for it. `layer` puts it in place of the default logger.
 */
const makeLogStream = Effect.gen(function* () {
  const lines: Array<Line> = []
  const written = yield* Queue.unbounded<void>()
  const logger = Logger.make(({ annotations, cause, logLevel, message }) => {
    lines.push({
      level: logLevel.label,
      message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
      cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause),
      annotations: Object.fromEntries(HashMap.toEntries(annotations))
    })
    written.unsafeOffer(undefined)
  })
  const matching = (pattern: RegExp) => lines.filter((line) => pattern.test(line.message))
  return {
    // One scoped change, not `Layer.mergeAll(Logger.remove(...), Logger.add(...))`: merged layers
    // build in parallel, and the loggers they restore on release can keep the added one.
    layer: Layer.scopedDiscard(
      Effect.zipRight(
        Effect.locallyScopedWith(FiberRef.currentLoggers, (loggers) =>
          HashSet.add(HashSet.remove(loggers, Logger.defaultLogger), logger)
        ),
        Effect.locallyScoped(FiberRef.currentMinimumLogLevel, LogLevel.All)
      )
    ),
    lines: Effect.sync((): ReadonlyArray<Line> => [...lines]),
    /** The lines whose message matches `pattern`, so far. */
    matching: (pattern: RegExp) => Effect.sync(() => matching(pattern)),
    /** Waits until `count` lines match `pattern`, and returns them. */
    awaitLines: (pattern: RegExp, count = 1) =>
      Effect.gen(function* () {
        while (matching(pattern).length < count) yield* Queue.take(written)
        return matching(pattern)
      })
  }
})

const UNDELIVERED = /^Alert could not be delivered: /
const DROPPED = /^Discord: \d+ alerts? dropped: /
const NOT_DRAINED = /not delivered before shutdown/

/** A counter of `Metrics` for one operation. */
const count = (metric: typeof Metrics.alertsDropped, operation: string) =>
  Effect.map(Metric.value(Metric.tagged(metric, "operation", operation)), (state) => state.count)

const discordLayer = (origin: string, options: Partial<DiscordNotifier.Options> = {}) =>
  DiscordNotifier.layer({ webhookUrl: Redacted.make(origin + WEBHOOK_PATH), ...options }).pipe(
    Layer.provide(FetchHttpClient.layer)
  )

/**
 * Builds a notifier layer in a scope of its own, so that a test can release it (and time the
 * release). The test's scope releases it too, moving the TestClock past any drain deadline, if the
 * test ended before it did. What the release logs goes to the loggers of the fiber that built the
 * layer (as `Effect.addFinalizer` runs it): the application's, not some caller's.
 */
const buildReleasable = (layer: Layer.Layer<Notifier.Notifier>, { testClock = true } = {}) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() =>
      testClock
        ? Effect.gen(function* () {
            const release = yield* Effect.fork(Scope.close(scope, Exit.void))
            yield* TestClock.adjust("1 hour")
            yield* Fiber.join(release)
          })
        : Scope.close(scope, Exit.void)
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    return {
      notifier: Context.get(context, Notifier.Notifier),
      release: Scope.close(scope, Exit.void)
    }
  })

/** Real time, in milliseconds, that `self` took. */
const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = performance.now()
    const result = yield* self
    return { result, millis: performance.now() - start }
  })

/**
 * Waits for `self`, failing instead of hanging past `seconds` of real time (the Effect clock's in a
 * live test; in a TestClock test, the live clock's, so that a release that does not end at its
 * deadline fails the test at once instead of waiting for the test's timeout).
 */
const within = <A, E, R>(self: Effect.Effect<A, E, R>, seconds: number, what: string) =>
  Effect.timeoutFail(self, {
    duration: Duration.seconds(seconds),
    onTimeout: () => new Error(`${what}: not within ${seconds} s`)
  })

/** Joins a release forked in a TestClock test, bounded by {@link within} on the live clock. */
const joinRelease = <A, E>(release: Fiber.Fiber<A, E>) =>
  TestServices.provideLive(within(Fiber.join(release), 5, "the release, once its drainTimeout passed"))

describe("a notifier layer delivers off the caller's path", () => {
  it.scopedLive(
    "a 4-attempt loop 10 ms apart, alerting to a Discord webhook that never answers, takes its backoff time; the release gives up at drainTimeout and logs the alert as not delivered",
    () =>
      Effect.gen(function* () {
        const logs = yield* makeLogStream
        const server = yield* HttpServer.make
        yield* server.reply("hang")
        const { notifier, release } = yield* buildReleasable(
          discordLayer(server.origin, { drainTimeout: "300 millis" }),
          { testClock: false }
        ).pipe(Effect.provide(logs.layer))
        let attempts = 0
        const reserve = Effect.suspend(() => {
          attempts++
          return Effect.fail(new Error("HTTP 503 from inventory"))
        })
        const loop = reserve.pipe(
          Retry.retry({
            name: "reserve",
            maxAttempts: 4,
            schedule: Schedule.spaced("10 millis"),
            alertAt: { attempts: 2 }
          }),
          Effect.flip,
          Effect.provide(AlertLimiter.layer()),
          Effect.provideService(Notifier.Notifier, notifier),
          Effect.provide(logs.layer)
        )
        const sentBefore = yield* count(Metrics.alertsSent, "reserve")

        const { result: error, millis } = yield* timed(loop)
        // Gave up with the original error after its 4 attempts and 3 waits of 10 ms: 30 ms plus
        // noise, not the webhook's 10 s timeout.
        expect(error.message).toBe("HTTP 503 from inventory")
        expect(attempts).toBe(4)
        expect(millis).toBeGreaterThanOrEqual(29)
        expect(millis).toBeLessThan(500)
        expect(yield* count(Metrics.alertsSent, "reserve")).toBe(sentBefore + 1)
        // The alert was handed over: the webhook has it, and holds it.
        yield* within(server.awaitRequests(1), 5, "the alert reaching the webhook")

        // Released while the delivery hangs: it waits drainTimeout (300 ms), not the 10 s timeout.
        const released = yield* timed(within(release, 5, "the release"))
        expect(released.millis).toBeGreaterThanOrEqual(295)
        expect(released.millis).toBeLessThan(2_000)
        expect((yield* logs.matching(NOT_DRAINED)).map((line) => [line.level, line.message])).toEqual([
          [
            "ERROR",
            'Discord: 1 alert not delivered before shutdown (drainTimeout 300ms): 🚨 CRITICAL: operation "reserve" is failing repeatedly'
          ]
        ])
        expect(yield* server.requests).toHaveLength(1)
        for (const line of yield* logs.lines) expect(JSON.stringify(line)).not.toContain(TOKEN)
      })
  )

  it.scopedLive(
    "5 concurrent loops alerting to an Alertmanager that never answers: none waits for another",
    () =>
      Effect.gen(function* () {
        const logs = yield* makeLogStream
        const server = yield* HttpServer.make
        yield* server.reply("hang")
        const { notifier } = yield* buildReleasable(
          AlertmanagerNotifier.layer({ url: server.origin, drainTimeout: "100 millis" }).pipe(
            Layer.provide(FetchHttpClient.layer)
          ),
          { testClock: false }
        ).pipe(Effect.provide(logs.layer))
        const limiter = yield* Layer.build(AlertLimiter.layer())
        const sentBefore = yield* count(Metrics.alertsSent, "sync")
        const loop = (i: number) =>
          timed(
            Effect.fail(new Error(`HTTP 500 from replica ${i}`)).pipe(
              Retry.retry({
                name: "sync",
                context: "catalog",
                maxAttempts: 4,
                schedule: Schedule.spaced("10 millis"),
                alertAt: { attempts: 2 }
              }),
              Effect.flip,
              Effect.provide(limiter),
              Effect.provideService(Notifier.Notifier, notifier),
              Effect.provide(logs.layer)
            )
          )
        const { result: loops, millis } = yield* timed(
          Effect.forEach([0, 1, 2, 3, 4], loop, { concurrency: "unbounded" })
        )
        // Five distinct signatures, five alerts handed over; each loop took its own backoff time
        // only (the old notifier made them queue: 1.3, 2.3, 3.3, 4.4, 5.3 s).
        expect(yield* count(Metrics.alertsSent, "sync")).toBe(sentBefore + 5)
        expect(loops.map((each) => each.result.message)).toEqual(
          [0, 1, 2, 3, 4].map((i) => `HTTP 500 from replica ${i}`)
        )
        for (const each of loops) expect(each.millis).toBeLessThan(500)
        expect(millis).toBeLessThan(500)
        expect((yield* logs.matching(/^sync gave up after 4 attempts/)).length).toBe(5)
        yield* within(server.awaitRequests(1), 5, "an alert reaching Alertmanager")
        expect((yield* server.connections).accepted).toBeLessThanOrEqual(Notifier.DEFAULT_CONCURRENCY)
      })
  )

  it.scoped(
    "timeout counts from the hand-over: with concurrency 1 and a 1 s timeout, events queued behind a hanging push are logged as not delivered at 1 s",
    () =>
      Effect.gen(function* () {
        const logs = yield* makeLogStream
        const server = yield* HttpServer.make
        yield* server.reply("hang")
        const { notifier } = yield* buildReleasable(
          AlertmanagerNotifier.layer({ url: server.origin, concurrency: 1, timeout: "1 second" }).pipe(
            Layer.provide(FetchHttpClient.layer)
          )
        )
        const failedBefore = yield* count(Metrics.alertsFailed, "ship")
        const events = [1, 2, 3].map((i) =>
          firing({
            operation: "ship",
            title: `ship ${i} fails`,
            text: `ship ${i} fails`,
            dedupKey: `ship/${i}`
          })
        )
        const handOver = Effect.forEach(events, (event) => notifier.notify(event), { discard: true })
        expect(yield* Effect.exit(handOver.pipe(Effect.provide(logs.layer)))).toEqual(Exit.void)
        // The first push hangs; the other two wait in the queue behind it.
        yield* server.awaitRequests(1)
        yield* TestClock.adjust(999)
        for (let turn = 0; turn < 20; turn++) yield* ioTurn
        expect(yield* logs.matching(UNDELIVERED)).toEqual([])

        yield* TestClock.adjust(1)
        const failures = yield* logs.awaitLines(UNDELIVERED, 3)
        // All three given up on at 1 s after their hand-over: the queued ones without a try.
        expect(yield* TestClock.currentTimeMillis).toBe(1000)
        expect(failures.map((line) => line.message)).toEqual([
          "Alert could not be delivered: ship 1 fails",
          "Alert could not be delivered: ship 2 fails",
          "Alert could not be delivered: ship 3 fails"
        ])
        expect(failures[0]?.cause).toMatch(
          /Alertmanager did not deliver within 1 s|Alertmanager: not delivered within its timeout of 1s, queueing included/
        )
        for (const line of failures.slice(1)) {
          expect(line.cause).toContain(
            "Alertmanager: not delivered within its timeout of 1s, queueing included"
          )
        }
        expect(failures.map((line) => line.annotations.dedupKey)).toEqual(["ship/1", "ship/2", "ship/3"])
        expect(yield* count(Metrics.alertsFailed, "ship")).toBe(failedBefore + 3)
        expect(yield* server.requests).toHaveLength(1)
      })
  )

  it.scopedLive(
    "a success resolving 40 incidents whose deliveries take 300 ms each returns in under 50 ms; the resolved events are delivered after",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpServer.make
        const { notifier, release } = yield* buildReleasable(
          discordLayer(server.origin, { concurrency: 8 }),
          {
            testClock: false
          }
        )
        // No channel ceiling: the 40 distinct alerts all fire.
        const services = yield* Layer.build(AlertLimiter.layer({ ceiling: 0 }))
        const provide = <A, E, R>(self: Effect.Effect<A, E, R>) =>
          self.pipe(Effect.provide(services), Effect.provideService(Notifier.Notifier, notifier))

        const opened = yield* provide(
          Effect.forEach(
            Array.from({ length: 40 }, (_, i) => i),
            (i) =>
              Alert.sendRateLimited({
                name: "restock",
                error: new Error(`shelf ${i} unreachable`),
                context: "warehouse",
                message: `Restock ${i} failed`
              })
          )
        )
        expect(opened.every(Boolean)).toBe(true)
        expect(yield* provide(Incidents.count)).toBe(40)
        yield* within(server.awaitRequests(40), 10, "the 40 firing alerts")

        // From now on every delivery takes 300 ms.
        yield* server.reply({ status: 204, delayMillis: 300 })
        const success = yield* timed(
          provide(Effect.succeed("restocked").pipe(Retry.retry({ name: "restock", context: "warehouse" })))
        )
        expect(success.result).toBe("restocked")
        expect(success.millis).toBeLessThan(50)
        expect(yield* provide(Incidents.count)).toBe(0)

        // The release drains: all 40 resolved events reach the webhook.
        yield* within(release, 10, "the release")
        const bodies = (yield* server.bodies).slice(40) as ReadonlyArray<{
          embeds: ReadonlyArray<{ title: string }>
        }>
        expect(bodies).toHaveLength(40)
        for (const body of bodies) {
          expect(body.embeds[0]?.title).toMatch(/^✅ RESOLVED: restock \(warehouse\) resolved after/)
        }
      })
  )

  it.scoped(
    "2,000 alerts handed to a webhook that never answers: sockets bounded by concurrency, queueCapacity waiting, the rest dropped, counted, and logged once a minute",
    () =>
      Effect.gen(function* () {
        const logs = yield* makeLogStream
        const server = yield* HttpServer.make
        yield* server.reply("hang")
        // Defaults: concurrency 4, queueCapacity 1,000. A long timeout: no delivery ends here.
        const { notifier, release } = yield* buildReleasable(
          discordLayer(server.origin, { timeout: "1 hour", drainTimeout: "1 second" })
        ).pipe(Effect.provide(logs.layer))
        const droppedBefore = yield* count(Metrics.alertsDropped, "flood")
        const handOver = (from: number, to: number) =>
          Effect.forEach(
            Array.from({ length: to - from }, (_, i) => from + i),
            (i) =>
              notifier.notify(
                firing({
                  operation: "flood",
                  title: `flood ${i}`,
                  text: `flood ${i}`,
                  dedupKey: `flood/${i}`
                })
              ),
            { discard: true }
          ).pipe(Effect.provide(logs.layer))

        expect(yield* Effect.exit(handOver(0, 2_000))).toEqual(Exit.void)
        yield* server.awaitRequests(Notifier.DEFAULT_CONCURRENCY)
        // Some event-loop turns (no timer) for any other delivery to show up: none does.
        for (let turn = 0; turn < 50; turn++) yield* ioTurn
        expect(yield* server.connections).toEqual({
          accepted: Notifier.DEFAULT_CONCURRENCY,
          open: Notifier.DEFAULT_CONCURRENCY
        })
        expect(yield* server.requests).toHaveLength(Notifier.DEFAULT_CONCURRENCY)

        // 4 in flight and 1,000 waiting (or 1,000 waiting before the fibers took theirs): the rest dropped.
        const dropped = (yield* count(Metrics.alertsDropped, "flood")) - droppedBefore
        expect(dropped).toBeGreaterThanOrEqual(
          2_000 - Notifier.DEFAULT_QUEUE_CAPACITY - Notifier.DEFAULT_CONCURRENCY
        )
        expect(dropped).toBeLessThanOrEqual(2_000 - Notifier.DEFAULT_QUEUE_CAPACITY)
        // One line, not one per drop.
        expect((yield* logs.matching(DROPPED)).map((line) => line.message)).toEqual([
          expect.stringMatching(
            /^Discord: 1 alert dropped: its queue is full \(queueCapacity 1000\); the latest: flood \d+$/
          )
        ])

        // A minute later, 10 more are dropped: one more line, with the count since the last one.
        yield* TestClock.adjust("1 minute")
        expect(yield* Effect.exit(handOver(2_000, 2_010))).toEqual(Exit.void)
        expect((yield* count(Metrics.alertsDropped, "flood")) - droppedBefore).toBe(dropped + 10)
        const lines = yield* logs.matching(DROPPED)
        expect(lines).toHaveLength(2)
        expect(lines[1]?.message).toBe(
          `Discord: ${dropped} alerts dropped: its queue is full (queueCapacity 1000); the latest: flood 2000`
        )
        expect(yield* server.connections).toEqual({
          accepted: Notifier.DEFAULT_CONCURRENCY,
          open: Notifier.DEFAULT_CONCURRENCY
        })

        // The release waits its drainTimeout, then says how many it could not deliver: every event
        // is either dropped or in that count.
        const releasing = yield* Effect.fork(release)
        yield* TestClock.adjust("1 second")
        yield* joinRelease(releasing)
        const [shutdown, ...others] = yield* logs.matching(NOT_DRAINED)
        expect(others).toEqual([])
        const pending = Number(
          /^Discord: (\d+) alerts not delivered before shutdown \(drainTimeout 1s\): /.exec(
            shutdown?.message ?? ""
          )?.[1]
        )
        expect(pending + dropped + 10).toBe(2_010)
        expect(yield* logs.matching(DROPPED)).toHaveLength(2)
        for (const line of yield* logs.lines) expect(JSON.stringify(line)).not.toContain(TOKEN)
      })
  )

  it.scoped("releasing the layer delivers what is queued to a slow server before it closes", () =>
    Effect.gen(function* () {
      const logs = yield* makeLogStream
      const server = yield* HttpServer.make
      yield* server.reply({ status: 204, delayMillis: 20 })
      const { notifier, release } = yield* buildReleasable(
        discordLayer(server.origin, { concurrency: 1 })
      ).pipe(Effect.provide(logs.layer))
      yield* Effect.forEach(
        [1, 2, 3, 4, 5],
        (i) => notifier.notify(firing({ operation: "drain", title: `drain ${i}`, text: `drain ${i}` })),
        { discard: true }
      ).pipe(Effect.provide(logs.layer))
      // One at a time, 20 ms each: nothing like all five is there yet.
      expect((yield* server.requests).length).toBeLessThan(5)
      // The TestClock stands still: the release waits for the deliveries, not for a deadline.
      yield* release
      const bodies = (yield* server.bodies) as ReadonlyArray<{ embeds: ReadonlyArray<{ title: string }> }>
      expect(bodies.map((body) => body.embeds[0]?.title)).toEqual([1, 2, 3, 4, 5].map((i) => `drain ${i}`))
      expect(yield* logs.matching(NOT_DRAINED)).toEqual([])
      expect(yield* logs.matching(UNDELIVERED)).toEqual([])
    })
  )

  it.scoped("releasing the layer gives up at drainTimeout and logs what it could not deliver", () =>
    Effect.gen(function* () {
      const logs = yield* makeLogStream
      const server = yield* HttpServer.make
      // Two answers, slowly, then nothing.
      yield* server.reply({ status: 204, delayMillis: 20 }, { status: 204, delayMillis: 20 }, "hang")
      const { notifier, release } = yield* buildReleasable(
        discordLayer(server.origin, { concurrency: 1, timeout: "1 hour", drainTimeout: "2 seconds" })
      ).pipe(Effect.provide(logs.layer))
      yield* Effect.forEach(
        [1, 2, 3, 4],
        (i) => notifier.notify(firing({ operation: "drain", title: `queued ${i}`, text: `queued ${i}` })),
        { discard: true }
      ).pipe(Effect.provide(logs.layer))
      const releasing = yield* Effect.fork(release)
      // 1 and 2 delivered; 3 hangs; 4 waits behind it.
      yield* server.awaitRequests(3)
      yield* TestClock.adjust(1999)
      expect(Option.isNone(yield* Fiber.poll(releasing))).toBe(true)
      yield* TestClock.adjust(1)
      yield* joinRelease(releasing)
      expect((yield* logs.matching(NOT_DRAINED)).map((line) => [line.level, line.message])).toEqual([
        // The one under way (3) and the one still queued (4).
        ["ERROR", "Discord: 2 alerts not delivered before shutdown (drainTimeout 2s): queued 3 | queued 4"]
      ])
      expect(yield* server.requests).toHaveLength(3)
    })
  )

  it.scoped(
    "a failed delivery is logged with the caller's logger, not the one the layer was built with",
    () =>
      Effect.gen(function* () {
        const caller = yield* makeLogStream
        const builder = yield* makeLogStream
        const server = yield* HttpServer.make
        yield* server.reply({ status: 404, body: { message: "Unknown Webhook", code: 10015 } })
        const { notifier } = yield* buildReleasable(discordLayer(server.origin)).pipe(
          Effect.provide(builder.layer)
        )
        const limiter = yield* Layer.build(AlertLimiter.layer())
        const failedBefore = yield* count(Metrics.alertsFailed, "invoice")

        const handedOver = yield* Alert.sendRateLimited({
          name: "invoice",
          error: new Error("HTTP 502 from billing"),
          context: "accounts",
          message: "Invoicing failed"
        }).pipe(
          Effect.provide(limiter),
          Effect.provideService(Notifier.Notifier, notifier),
          Effect.provide(caller.layer)
        )
        expect(handedOver).toBe(true)
        const [failure] = yield* caller.awaitLines(UNDELIVERED)
        expect(failure?.level).toBe("ERROR")
        expect(failure?.message).toBe("Alert could not be delivered: Invoicing failed")
        expect(failure?.cause).toContain(
          "Discord webhook answered 404 Not Found: Unknown Webhook (code 10015)"
        )
        expect(failure?.annotations).toMatchObject({ alert: "invoice", context: "accounts" })
        expect(yield* count(Metrics.alertsFailed, "invoice")).toBe(failedBefore + 1)
        expect(yield* builder.matching(UNDELIVERED)).toEqual([])
        for (const line of [...(yield* caller.lines), ...(yield* builder.lines)]) {
          expect(JSON.stringify(line)).not.toContain(TOKEN)
        }
      })
  )

  it.scoped("a resolved event never overtakes its own firing; other incidents do not wait", () =>
    Effect.gen(function* () {
      const arrived = yield* Queue.unbounded<string>()
      // A firing takes a second to deliver; a resolved event, no time at all.
      const slowFirings = Notifier.fromNotify((event) =>
        Effect.sleep(event._tag === "Firing" ? "1 second" : "0 millis").pipe(
          Effect.zipRight(Queue.offer(arrived, `${event._tag} ${event.dedupKey}`)),
          Effect.asVoid
        )
      )
      const context = yield* Layer.build(Notifier.layer(slowFirings, { concurrency: 4 }))
      const notifier = Context.get(context, Notifier.Notifier)
      yield* notifier.notify(firing({ dedupKey: "k1" }))
      yield* notifier.notify(resolved({ dedupKey: "k1" }))
      yield* notifier.notify(resolved({ dedupKey: "k2" }))
      // k2 has no earlier event: it goes out at once, beside k1's firing.
      expect(yield* Queue.take(arrived)).toBe("Resolved k2")
      yield* TestClock.adjust("1 second")
      expect([yield* Queue.take(arrived), yield* Queue.take(arrived)]).toEqual(["Firing k1", "Resolved k1"])
    })
  )

  it("invalid queue options throw InvalidOptionError at once, naming the option", () => {
    const webhookUrl = Redacted.make(`https://discord.com${WEBHOOK_PATH}`)
    const url = "http://alertmanager:9093"
    const attempts: ReadonlyArray<[string, () => unknown]> = [
      ["concurrency", () => DiscordNotifier.layer({ webhookUrl, concurrency: 0 })],
      ["concurrency", () => SlackNotifier.layer({ webhookUrl, concurrency: 1.5 })],
      ["queueCapacity", () => AlertmanagerNotifier.layer({ url, queueCapacity: 0 })],
      [
        "queueCapacity",
        () => PagerDutyNotifier.layer({ routingKey: Redacted.make(TOKEN), queueCapacity: -1 })
      ],
      ["drainTimeout", () => DiscordNotifier.layer({ webhookUrl, drainTimeout: -1 })],
      [
        "drainTimeout",
        () =>
          Notifier.layer(
            Notifier.fromNotify(() => Effect.void),
            { drainTimeout: Number.NaN }
          )
      ],
      [
        "timeout",
        () =>
          Notifier.layer(
            Notifier.fromNotify(() => Effect.void),
            { timeout: "soon" as never }
          )
      ]
    ]
    for (const [option, build] of attempts) expectInvalidOption(option, build, TOKEN)
  })
})
