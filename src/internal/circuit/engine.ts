/**
 * The circuit breaker, written once over a store: what a call does in each state, the trip rule
 * applied to this process's counts, the open time stepped from a `Schedule`, and the transitions,
 * each a conditional write to the store, so that among processes sharing it one wins and the
 * others follow.
 *
 * A call through a closed circuit reads no Clock and does no I/O: one map lookup, one
 * `matchCauseEffect`, a counter. The store is asked only when a circuit is not closed, or changes.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import {
  type CircuitBreakerService,
  CircuitOpen,
  type CircuitRecord,
  CLOSED,
  Closed,
  type ClosedCircuit,
  Enter,
  type EnterFn,
  HALF_OPEN_RETRY_AFTER,
  type Settings,
  type Transition
} from "../circuitBreaker.js"
import { makeBucketClock } from "../retryBudget.js"
import { Circuit, type Handlers, openMillis, verdict } from "./circuit.js"
import { Counts, type Outcome, type Thresholds } from "./counts.js"
import type { CircuitStore } from "./store.js"
import { announce } from "./telemetry.js"

/** The breaker over `store`, on `clock`. */
export const make = (
  settings: Settings,
  store: CircuitStore,
  clock: Clock.Clock
): Effect.Effect<CircuitBreakerService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const bucket = yield* makeBucketClock(clock, settings.windowMillis / 10)
    const transitions = yield* PubSub.unbounded<Transition>()
    const alerts = yield* FiberSet.make()
    const fork = (effect: Effect.Effect<unknown>) => FiberSet.run(alerts, effect)
    const circuits = new Map<string, Circuit>()
    const alertOnly = settings.mode === "alert-only"
    const thresholds: Thresholds = {
      consecutiveFailures: settings.consecutiveFailures,
      failureRate: settings.failureRate,
      minimumCalls: settings.minimumCalls,
      windowMillis: settings.windowMillis,
      slowRate: settings.slowRate,
      slowCalls: settings.slowMillis !== undefined
    }

    const circuitOf = (key: string): Circuit => {
      let circuit = circuits.get(key)
      if (circuit === undefined) {
        circuit = new Circuit(key, store.known(key) ?? CLOSED, new Counts(bucket()))
        circuits.set(key, circuit)
        if (circuits.size > settings.maxKeys) circuits.delete(circuits.keys().next().value!)
      }
      return circuit
    }

    /**
     * Takes `record` as `circuit`'s, when it is newer: the counts start again on a close, the
     * transition is counted, published, and announced. Returns what announcing it does.
     */
    const adopt = (
      circuit: Circuit,
      record: CircuitRecord,
      local: boolean
    ): Effect.Effect<void> | undefined => {
      const previous = circuit.record
      if (record.generation <= previous.generation) return undefined
      circuit.record = record
      if (record.state === "closed") circuit.counts.clear(bucket())
      // The least recently changed circuit is the first forgotten.
      circuits.delete(circuit.key)
      circuits.set(circuit.key, circuit)
      if (record.state === previous.state) return undefined
      const transition: Transition = {
        key: circuit.key,
        from: previous.state,
        to: record.state,
        at: record.since,
        reason: record.reason,
        until: record.until,
        local
      }
      circuit.labels.transition(record.state)
      transitions.unsafeOffer(transition)
      return announce(transition, record, settings.mode, settings.probes, fork)
    }

    const follow = (key: string, record: CircuitRecord): void => {
      const effect = adopt(circuitOf(key), record, false)
      if (effect !== undefined) Effect.runFork(effect)
    }
    if (store.watch !== undefined) yield* store.watch(follow)

    /** Writes `next` over the record `circuit` had at `expected`, and adopts what the store holds after. */
    const write = (circuit: Circuit, expected: number, next: CircuitRecord): Effect.Effect<void> =>
      Effect.flatMap(store.compareAndSet(circuit.key, expected, next), (written) =>
        Effect.suspend(() => adopt(circuit, written.record, written.written) ?? Effect.void)
      )

    /** One transition at a time per circuit in this process: a call that finds one under way leaves it. */
    const change = (
      circuit: Circuit,
      transition: (now: number) => Effect.Effect<void>
    ): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (circuit.changing) return Effect.void
        circuit.changing = true
        return Effect.ensuring(
          transition(clock.unsafeCurrentTimeMillis()),
          Effect.sync(() => {
            circuit.changing = false
          })
        )
      })

    /** Opens `circuit` (from closed, or again from half-open) for the next step of the open time. */
    const open = (circuit: Circuit, reason: string): Effect.Effect<void> =>
      change(circuit, (now) => {
        const record = circuit.record
        const again =
          record.state !== "closed" || (record.openings > 0 && now - record.since < settings.resetAfterMillis)
        const openings = again ? record.openings + 1 : 1
        return Effect.flatMap(openMillis(settings.openFor, openings, now), (millis) =>
          write(circuit, record.generation, {
            state: "open",
            generation: record.generation + 1,
            since: now,
            until: now + millis,
            openings,
            reason
          })
        )
      })

    const close = (circuit: Circuit, expected: number): Effect.Effect<void> =>
      change(circuit, (now) =>
        circuit.record.generation !== expected
          ? Effect.void
          : write(circuit, expected, {
              state: "closed",
              generation: expected + 1,
              since: now,
              until: 0,
              openings: circuit.record.openings,
              reason: ""
            })
      )

    /** What a counted call's outcome does to a circuit the call found closed (or any, alert-only). */
    const counted = (circuit: Circuit, outcome: Outcome): Effect.Effect<void> | undefined => {
      const now = bucket()
      circuit.counts.add(now, outcome)
      const state = circuit.record.state
      if (state === "closed") {
        if (outcome === "success") return undefined
        const reason = circuit.counts.trips(now, thresholds)
        return reason === undefined ? undefined : open(circuit, reason)
      }
      // Alert-only: an open circuit closes at a success after its open time, once the window is healthy.
      if (
        alertOnly &&
        state === "open" &&
        outcome === "success" &&
        clock.unsafeCurrentTimeMillis() >= circuit.record.until &&
        circuit.counts.healthy(now, thresholds)
      ) {
        return close(circuit, circuit.record.generation)
      }
      return undefined
    }

    const slowMillis = settings.slowMillis

    /** A call counted by the window: the path of every call while closed. */
    /**
     * What a call's end does to its circuit: counted, and a transition when the rule is met. With
     * `startedAt` (a slow-call rule), a call lasting `slowMillis` or more is slow.
     */
    const handlers = (
      circuit: Circuit,
      isFailure: ((error: any) => boolean) | undefined,
      startedAt: number | undefined
    ): Handlers => {
      const slow = (): boolean =>
        startedAt !== undefined && clock.unsafeCurrentTimeMillis() - startedAt >= slowMillis!
      return {
        isFailure,
        onFailure: (cause) => {
          const seen = verdict(cause, isFailure)
          const effect =
            seen === undefined
              ? undefined
              : counted(
                  circuit,
                  seen === "failure"
                    ? slow()
                      ? "slow-failure"
                      : "failure"
                    : slow()
                      ? "slow-success"
                      : "success"
                )
          return effect === undefined
            ? Effect.failCause(cause)
            : Effect.zipRight(effect, Effect.failCause(cause))
        },
        onSuccess: (value) => {
          const effect = counted(circuit, slow() ? "slow-success" : "success")
          return effect === undefined ? Effect.succeed(value) : Effect.as(effect, value)
        }
      }
    }

    /**
     * A call counted by the window: the path of every call while closed. Without a slow-call rule
     * its handlers are made once per circuit and predicate, so that a call allocates none.
     */
    const measured = <A, E, R>(
      circuit: Circuit,
      self: Effect.Effect<A, E, R>,
      isFailure: ((error: E) => boolean) | undefined
    ): Effect.Effect<A, E, R> => {
      if (slowMillis !== undefined) {
        return Effect.matchCauseEffect(self, handlers(circuit, isFailure, clock.unsafeCurrentTimeMillis()))
      }
      let kept = circuit.handlers
      if (kept === undefined || kept.isFailure !== isFailure) {
        kept = handlers(circuit, isFailure, undefined)
        circuit.handlers = kept
      }
      return Effect.matchCauseEffect(self, kept)
    }

    const reject = (circuit: Circuit, retryAfterMillis: number): Effect.Effect<never, CircuitOpen> => {
      circuit.labels.rejected()
      const state = circuit.record.state
      return Effect.fail(
        new CircuitOpen({
          key: circuit.key,
          state: state === "closed" ? "open" : state,
          retryAfter:
            retryAfterMillis === Number.POSITIVE_INFINITY
              ? Duration.infinity
              : Duration.millis(retryAfterMillis)
        })
      )
    }

    /** A probe: its verdict closes the circuit (enough successes) or opens it again; then its lease goes back. */
    const probe = <A, E, R>(
      circuit: Circuit,
      generation: number,
      self: Effect.Effect<A, E, R>,
      isFailure: ((error: E) => boolean) | undefined
    ): Effect.Effect<A, E, R> => {
      const started = clock.unsafeCurrentTimeMillis()
      return Effect.onExit(self, (exit) => {
        const seen = exit._tag === "Success" ? "success" : verdict(exit.cause, isFailure)
        const slow = slowMillis !== undefined && clock.unsafeCurrentTimeMillis() - started >= slowMillis
        const release = store.releaseProbe(circuit.key, generation, seen === "success" && !slow)
        if (seen === undefined) return Effect.asVoid(release)
        if (seen === "failure" || slow) {
          return Effect.zipRight(
            Effect.suspend(() =>
              circuit.record.generation === generation
                ? open(circuit, slow ? "a probe was slow" : "a probe failed")
                : Effect.void
            ),
            Effect.asVoid(release)
          )
        }
        return Effect.flatMap(release, (successes) =>
          successes >= settings.probes ? close(circuit, generation) : Effect.void
        )
      })
    }

    /** Through a circuit that is not closed: rejected, or let through as a probe. */
    const admit = <A, E, R>(
      circuit: Circuit,
      self: Effect.Effect<A, E, R>,
      isFailure: ((error: E) => boolean) | undefined
    ): Effect.Effect<A, E | CircuitOpen, R> =>
      Effect.suspend(() => {
        const record = circuit.record
        const now = clock.unsafeCurrentTimeMillis()
        switch (record.state) {
          case "closed":
            return measured(circuit, self, isFailure)
          case "isolated":
            return reject(circuit, Number.POSITIVE_INFINITY)
          case "open": {
            if (now < record.until) return reject(circuit, record.until - now)
            const halfOpen = change(circuit, (at) =>
              circuit.record.generation !== record.generation
                ? Effect.void
                : write(circuit, record.generation, {
                    ...record,
                    state: "half-open",
                    generation: record.generation + 1,
                    since: at,
                    until: 0
                  })
            )
            return Effect.zipRight(
              halfOpen,
              Effect.suspend(() =>
                circuit.record.state === "open"
                  ? reject(circuit, Duration.toMillis(HALF_OPEN_RETRY_AFTER))
                  : admit(circuit, self, isFailure)
              )
            )
          }
          case "half-open": {
            const generation = record.generation
            return Effect.flatMap(
              store.acquireProbe(circuit.key, generation, settings.probes),
              (taken): Effect.Effect<A, E | CircuitOpen, R> =>
                taken
                  ? probe(circuit, generation, self, isFailure)
                  : reject(circuit, Duration.toMillis(HALF_OPEN_RETRY_AFTER))
            )
          }
        }
      })

    /** `self` through circuit `key`, decided now: to be called when the call runs. */
    const enter = <A, E, R>(
      key: string,
      self: Effect.Effect<A, E, R>,
      isFailure?: ((error: E) => boolean) | undefined
    ): Effect.Effect<A, E | CircuitOpen, R> => {
      const circuit = circuitOf(key)
      const predicate = isFailure ?? settings.isFailure
      return circuit.record.state === "closed" || alertOnly
        ? (measured(circuit, self, predicate) as Effect.Effect<A, E | CircuitOpen, R>)
        : admit(circuit, self, predicate)
    }

    const protect = <A, E, R>(
      key: string,
      self: Effect.Effect<A, E, R>,
      isFailure?: ((error: E) => boolean) | undefined
    ): Effect.Effect<A, E | CircuitOpen, R> => Effect.suspend(() => enter(key, self, isFailure))

    /** Writes `next(record)` over the circuit's record whatever it is, following other writers. */
    const force = (
      key: string,
      next: (record: CircuitRecord, now: number) => CircuitRecord
    ): Effect.Effect<void> =>
      Effect.suspend(() => {
        const circuit = circuitOf(key)
        const record = circuit.record
        return Effect.flatMap(
          store.compareAndSet(key, record.generation, next(record, clock.unsafeCurrentTimeMillis())),
          (written) =>
            Effect.suspend(() => {
              const effect = adopt(circuit, written.record, written.written)
              // Another process wrote first: write over what it wrote.
              const rest = written.written ? Effect.void : force(key, next)
              return effect === undefined ? rest : Effect.zipRight(effect, rest)
            })
        )
      })

    /** The counters of `key`'s circuit while it lets calls through counted. */
    const closedCircuit = (key: string): ClosedCircuit | undefined => {
      if (slowMillis !== undefined) return undefined
      const circuit = circuitOf(key)
      if (circuit.record.state !== "closed") return undefined
      circuit.closed ??= {
        // A success of a closed circuit starts no transition.
        succeeded: () => {
          counted(circuit, "success")
        },
        failed: (cause, isFailure) => {
          const seen = verdict(cause, isFailure ?? settings.isFailure)
          return seen === undefined ? undefined : counted(circuit, seen)
        }
      }
      return circuit.closed
    }

    return {
      mode: settings.mode,
      protect,
      [Enter]: enter,
      [Closed]: closedCircuit,
      state: (key) => Effect.sync(() => circuitOf(key).record.state),
      isolate: (key) =>
        force(key, (record, now) => ({
          ...record,
          state: "isolated",
          generation: record.generation + 1,
          since: now,
          until: 0,
          reason: "isolated by hand"
        })),
      reset: (key) =>
        force(key, (record, now) => ({
          state: "closed",
          generation: record.generation + 1,
          since: now,
          until: 0,
          openings: 0,
          reason: ""
        })),
      transitions: Stream.fromPubSub(transitions)
    } satisfies CircuitBreakerService & {
      readonly [Enter]: EnterFn
      readonly [Closed]: (key: string) => ClosedCircuit | undefined
    }
  })
