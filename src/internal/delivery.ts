/**
 * Delivery off the caller's path: a notifier whose `notify` hands the event to a bounded queue and
 * returns, drained by a few fibers in the layer's scope. A hanging destination then holds
 * `concurrency` deliveries, not one per caller; a full queue drops (counted, logged once a
 * minute); closing the scope drains what is queued within a deadline and logs what is left.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import type * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Describe from "./describe.js"
import * as Metrics from "./metrics.js"
import { type AlertEvent, Notifier, NotifierError, type NotifierService } from "./notifier.js"
import * as Options from "./options.js"
import * as Redact from "./redact/redact.js"

/** Deliveries one destination runs at once. */
export const DEFAULT_CONCURRENCY = 4

/** Events one destination holds waiting; past it, new events are dropped. */
export const DEFAULT_CAPACITY = 1_000

/** Default deadline of one delivery, counted from the hand-over: queueing, tries and waits included. */
export const DEFAULT_TIMEOUT: Duration.Duration = /*#__PURE__*/ Duration.seconds(10)

/** How long closing the layer waits for queued events to be delivered. */
export const DEFAULT_DRAIN_TIMEOUT: Duration.Duration = /*#__PURE__*/ Duration.seconds(5)

/** Drops are logged at most once per this period, with their count. */
export const DROP_LOG_PERIOD_MILLIS = 60_000

/** Titles quoted when the queue is abandoned at shutdown. */
const TITLES_LOGGED = 10

/** The options of a queue, as the notifier layers take them. */
export interface QueueOptions {
  readonly concurrency?: number | undefined
  readonly queueCapacity?: number | undefined
  readonly drainTimeout?: Duration.DurationInput | undefined
}

/** {@link QueueOptions} validated, with the delivery deadline and a name for the logs. */
export interface QueueSettings {
  /** Who delivers, in log lines: `"Discord"`, `"Slack"`... */
  readonly destination: string
  readonly concurrency: number
  readonly capacity: number
  /** Everything one event waits, queueing included. */
  readonly timeoutMillis: number
  readonly drainMillis: number
}

/** Validates the queue options, throwing `InvalidOptionError` naming the bad one. */
export const settings = (
  destination: string,
  options: QueueOptions,
  timeout: Duration.Duration
): QueueSettings => ({
  destination,
  concurrency: Options.wholeNumber("concurrency", options.concurrency ?? DEFAULT_CONCURRENCY, 1, 1_000),
  capacity: Options.wholeNumber("queueCapacity", options.queueCapacity ?? DEFAULT_CAPACITY, 1, 10_000_000),
  timeoutMillis: Duration.toMillis(timeout),
  drainMillis: Duration.toMillis(
    Options.duration("drainTimeout", options.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT)
  )
})

/**
 * The queue settings of a destination layer, its delivery deadline included (default
 * {@link DEFAULT_TIMEOUT}), validated where the layer is written.
 */
export const queueOf = (
  destination: string,
  options: QueueOptions & { readonly timeout?: Duration.DurationInput | undefined }
): QueueSettings =>
  settings(destination, options, Options.duration("timeout", options.timeout ?? DEFAULT_TIMEOUT))

const countFailed = (event: AlertEvent) => Metrics.countOperation(Metrics.alertsFailed, event.operation)

/**
 * Logs that `event` could not be delivered, with its (already scrubbed) text and the cause
 * scrubbed too (a notifier's defect may quote a secret), and counts it.
 */
export const reportUndelivered = (event: AlertEvent, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Effect.logError(
    `Alert could not be delivered: ${event.text}`,
    Cause.die(Redact.redact(Cause.pretty(cause)))
  ).pipe(
    Effect.annotateLogs({ alert: event.operation, context: event.context, dedupKey: event.dedupKey }),
    Effect.zipRight(countFailed(event))
  )

/** Hands `event` to `notifier`; a failure (an unqueued notifier of the user's) is logged. Never fails. */
export const handOver = (notifier: NotifierService, event: AlertEvent): Effect.Effect<void> =>
  Effect.catchAllCause(
    Effect.suspend(() => notifier.notify(event)),
    (cause) => reportUndelivered(event, cause)
  )

interface Queued {
  readonly event: AlertEvent
  /** Clock millis of the hand-over: the delivery's deadline counts from it. */
  readonly handedAt: number
  /**
   * The caller's loggers and log level: a delivery's failure is logged where the caller's own
   * lines go, not where the fiber that built the layer logged.
   */
  readonly loggers: HashSet.HashSet<Logger.Logger<unknown, any>>
  readonly logLevel: LogLevel.LogLevel
}

/**
 * `destination` behind a bounded queue: the returned notifier's `notify` only hands over, and a
 * failed delivery is logged and counted by the queue's fibers. `flush` waits until everything
 * handed over so far has been delivered or given up on.
 */
export const queued = (
  destination: NotifierService,
  settings: QueueSettings
): Effect.Effect<NotifierService & { readonly flush: Effect.Effect<void> }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { capacity, concurrency, timeoutMillis, drainMillis } = settings
    const clock = yield* Effect.clock
    const queue = yield* Queue.dropping<Queued>(capacity)
    // Open while nothing is pending: what `flush` and the shutdown wait for.
    const idle = yield* Effect.makeLatch(true)
    let pending = 0
    let accepting = true
    let dropped = 0
    let lastDropLogAt: number | undefined

    // Deliveries under way: what the shutdown reports when it cannot wait for them.
    const inFlight = new Set<Queued>()
    // The latest delivery of each incident. The next event of that incident waits for it, so a
    // resolved event never overtakes its own firing (the destination would reopen the incident).
    const latestOf = new Map<string, Effect.Latch>()

    const timedOut = () =>
      new NotifierError({
        message: `${settings.destination}: not delivered within its timeout of ${Describe.duration(Duration.millis(timeoutMillis))}, queueing included`
      })

    const deliver = (item: Queued): Effect.Effect<void> => {
      const { event, handedAt } = item
      const key = event.dedupKey
      const before = latestOf.get(key)
      const done = Effect.unsafeMakeLatch(false)
      latestOf.set(key, done)
      const send = Effect.suspend(() => {
        inFlight.add(item)
        // The deadline counts from the hand-over: the queue and the wait for the incident's
        // previous event included.
        const left = timeoutMillis - (clock.unsafeCurrentTimeMillis() - handedAt)
        const attempt =
          left <= 0
            ? Effect.fail(timedOut())
            : Effect.timeoutFail(destination.notify(event), { duration: left, onTimeout: timedOut })
        return Effect.catchAllCause(attempt, (cause) => reportUndelivered(event, cause))
      })
      return (before === undefined ? send : Effect.zipRight(before.await, send)).pipe(
        Effect.locally(FiberRef.currentLoggers, item.loggers),
        Effect.locally(FiberRef.currentMinimumLogLevel, item.logLevel),
        Effect.ensuring(
          Effect.sync(() => {
            inFlight.delete(item)
            done.unsafeOpen()
            if (latestOf.get(key) === done) latestOf.delete(key)
            pending--
            if (pending === 0) idle.unsafeOpen()
          })
        )
      )
    }

    // One log line per period says how many were dropped since the last one.
    const noteDropped = (event: AlertEvent, reason: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        dropped++
        const now = clock.unsafeCurrentTimeMillis()
        const count = Metrics.countOperation(Metrics.alertsDropped, event.operation)
        if (lastDropLogAt !== undefined && now - lastDropLogAt < DROP_LOG_PERIOD_MILLIS) return count
        lastDropLogAt = now
        const n = dropped
        dropped = 0
        return Effect.zipRight(
          count,
          Effect.logError(
            `${settings.destination}: ${n} alert${n === 1 ? "" : "s"} dropped: ${reason}; the latest: ${event.title}`
          ).pipe(Effect.annotateLogs({ alert: event.operation, dedupKey: event.dedupKey }))
        )
      })

    const worker = Effect.forever(Effect.flatMap(Queue.take(queue), deliver))
    for (let i = 0; i < concurrency; i++) yield* Effect.forkScoped(worker)

    const plural = (n: number) => `${n} alert${n === 1 ? "" : "s"}`

    // Drops since the last drop line, which no later drop will report now.
    const reportDropsLeft = Effect.suspend(() =>
      dropped === 0
        ? Effect.void
        : Effect.logError(`${settings.destination}: ${plural(dropped)} dropped since the last report`)
    )

    // Added after the workers, so it runs before they are interrupted. A finalizer cannot be
    // interrupted: the wait is made interruptible so that the drain deadline can end it.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        accepting = false
        if (pending === 0) return reportDropsLeft
        return Effect.interruptible(idle.await).pipe(
          Effect.timeoutOption(Duration.millis(drainMillis)),
          Effect.zipRight(Queue.takeAll(queue)),
          Effect.flatMap((queuedLeft) => {
            const left = [...inFlight, ...queuedLeft]
            if (left.length === 0) return reportDropsLeft
            const titles = left.slice(0, TITLES_LOGGED).map((item) => item.event.title)
            return Effect.logError(
              `${settings.destination}: ${plural(left.length)} not delivered before shutdown (drainTimeout ${Describe.duration(Duration.millis(drainMillis))}): ${titles.join(" | ")}${left.length > TITLES_LOGGED ? " | …" : ""}`
            ).pipe(
              Effect.zipRight(Effect.forEach(left, (item) => countFailed(item.event), { discard: true })),
              Effect.zipRight(reportDropsLeft)
            )
          })
        )
      })
    )

    return {
      notify: (event) =>
        Effect.withFiberRuntime((fiber) => {
          if (!accepting) return noteDropped(event, "the notifier is shutting down")
          pending++
          idle.unsafeClose()
          const queued: Queued = {
            event,
            handedAt: clock.unsafeCurrentTimeMillis(),
            loggers: fiber.getFiberRef(FiberRef.currentLoggers),
            logLevel: fiber.getFiberRef(FiberRef.currentMinimumLogLevel)
          }
          if (queue.unsafeOffer(queued)) return Effect.void
          pending--
          if (pending === 0) idle.unsafeOpen()
          return noteDropped(event, `its queue is full (queueCapacity ${capacity})`)
        }),
      flush: idle.await
    }
  })

/** The notifier `make` builds, behind the queue of `settings`, as a layer. */
export const layer = <E, R>(
  make: Effect.Effect<NotifierService, E, R>,
  settings: QueueSettings
): Layer.Layer<Notifier, E, Exclude<R, Scope.Scope>> =>
  Layer.scoped(
    Notifier,
    Effect.flatMap(make, (destination) => queued(destination, settings))
  )
