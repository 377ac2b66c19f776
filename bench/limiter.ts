/**
 * Scenario 2: one limiter decision through the public `AlertLimiter.shouldSendAlert`, against a
 * bare JavaScript loop doing the same work.
 */
import { Effect } from "effect"
import { AlertLimiter } from "../src/index.js"
import { buildOnce, repeatInFiber } from "./fiber.js"
import { type Case, compare, comparedRow, type Scenario, type Target } from "./report.js"

const target: Target = { kind: "ratio", max: 4, stretch: 3 }

/** The original Python limiter, measured once on this machine. */
const PYTHON_NS_PER_DECISION = 660

const WINDOW_MILLIS = 5 * 60 * 1000
const name = "spend_credits"
const context = "billing"

interface Entry {
  lastSentAt: number
  suppressed: number
}

/**
 * The baseline: the limiter's work written as a plain loop. The signature is built inline the way
 * `AlertLimiter.signature` builds it (tag, else class name, else `name`; message head), time is
 * `Date.now()`, the state a plain `Map` with the window check and the size bound.
 */
const bareLimiter = (maxEntries: number) => {
  const entries = new Map<string, Entry>()
  return (error: Error): boolean => {
    const tag = (error as { _tag?: unknown })._tag
    const ctor = Object.getPrototypeOf(error)?.constructor?.name
    const type =
      typeof tag === "string" && tag.length > 0
        ? tag
        : typeof ctor === "string" && ctor !== "" && ctor !== "Object" && ctor !== "Error"
          ? ctor
          : error.name
    const key = `${context}:${name}:${type}:${error.message.slice(0, 100)}`
    const now = Date.now()
    const entry = entries.get(key)
    if (entry === undefined) {
      entries.set(key, { lastSentAt: now, suppressed: 0 })
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
      return true
    }
    if (now - entry.lastSentAt >= WINDOW_MILLIS) {
      entry.lastSentAt = now
      entry.suppressed = 0
      entries.delete(key)
      entries.set(key, entry)
      return true
    }
    entry.suppressed++
    return false
  }
}

export const scenario: Scenario = {
  id: "limiter",
  title: "Limiter decision",
  run: async (settings) => {
    const n = settings.quick ? 1_000 : 10_000
    const live = 100_000
    const maxEntries = 200_000
    const errors = Array.from({ length: live }, (_, i) => new Error(`HTTP 500 from upstream, request ${i}`))
    const hotError = new Error("HTTP 500 from upstream")

    const hotLimiter = await buildOnce(AlertLimiter.layer())
    const liveLimiter = await buildOnce(AlertLimiter.layer({ maxEntries }))
    const bareHot = bareLimiter(AlertLimiter.DEFAULT_MAX_ENTRIES)
    const bareLive = bareLimiter(maxEntries)

    // Fill both live limiters with every signature first, so each measured decision meets a map
    // of `live` signatures, all within their window.
    let sent = 0
    for (const error of errors) if (bareLive(error)) sent++
    await Effect.runPromise(
      repeatInFiber(live, (i) => AlertLimiter.shouldSendAlert(name, errors[i]!, context)).pipe(
        Effect.provide(liveLimiter.context)
      )
    )
    const liveSize = () => Effect.runPromise(Effect.provide(AlertLimiter.size, liveLimiter.context))
    if (sent !== live || (await liveSize()) !== live) throw new Error("the live limiters were not filled")

    let bareCursor = 0
    let fiberCursor = 0
    const hotProgram = repeatInFiber(n, () => AlertLimiter.shouldSendAlert(name, hotError, context)).pipe(
      Effect.provide(hotLimiter.context)
    )
    const liveProgram = repeatInFiber(n, () =>
      AlertLimiter.shouldSendAlert(name, errors[fiberCursor++ % live]!, context)
    ).pipe(Effect.provide(liveLimiter.context))
    const cases: ReadonlyArray<Case> = [
      {
        name: "bareHot",
        ops: n,
        run: () => {
          let sends = 0
          for (let i = 0; i < n; i++) if (bareHot(hotError)) sends++
          return sends
        }
      },
      { name: "hot", ops: n, run: () => Effect.runPromise(hotProgram) },
      {
        name: "bareLive",
        ops: n,
        run: () => {
          let sends = 0
          for (let i = 0; i < n; i++) if (bareLive(errors[bareCursor++ % live]!)) sends++
          return sends
        }
      },
      { name: "live", ops: n, run: () => Effect.runPromise(liveProgram) }
    ]
    const measured = await compare(cases, settings)

    // Every live signature is still remembered, and still within its window: the rows measured
    // suppressed decisions over a full map, as they claim.
    const liveAfter = await liveSize()
    const hotAfter = await Effect.runPromise(Effect.provide(AlertLimiter.size, hotLimiter.context))
    await hotLimiter.close()
    await liveLimiter.close()
    if (liveAfter !== live || hotAfter !== 1) throw new Error(`limiter sizes ${liveAfter} and ${hotAfter}`)

    const hot = measured.median("hot")
    const liveFigure = measured.median("live")
    return {
      rows: [
        comparedRow(measured, {
          name: "limiter: shouldSendAlert, one hot signature",
          unit: "ns/decision",
          of: "hot",
          baseline: { name: "bare loop", of: "bareHot" },
          target
        }),
        comparedRow(measured, {
          name: "limiter: shouldSendAlert, 100,000 live signatures",
          unit: "ns/decision",
          of: "live",
          baseline: { name: "bare loop", of: "bareLive" },
          target
        })
      ],
      notes: [
        `Each case makes ${n.toLocaleString("en-US")} decisions in a row; the figure is the time of a batch divided by ${n.toLocaleString("en-US")}. Ours run inside one fiber, chained with \`flatMap\`, through the public \`AlertLimiter.shouldSendAlert(name, error, context)\` with the layer built once.`,
        "The bare loop does the same work per decision in plain JavaScript: builds the signature string inline (type name, message head), `Date.now()`, `Map` get/set with the window check and the size bound.",
        "One hot signature: `AlertLimiter.layer()` (defaults); after the first decision every decision is suppressed.",
        `100,000 live signatures: \`AlertLimiter.layer({ maxEntries: ${maxEntries.toLocaleString("en-US")} })\`, filled with ${live.toLocaleString("en-US")} distinct errors before measuring, then cycling through them (all within their window, so suppressed); the size is checked to still be ${live.toLocaleString("en-US")} afterwards.`,
        `Reference, not measured here: the original Python limiter takes about ${PYTHON_NS_PER_DECISION} ns per decision on this machine (ours: ${hot.toFixed(0)} ns hot, ${liveFigure.toFixed(0)} ns with 100,000 live signatures).`
      ]
    }
  }
}
