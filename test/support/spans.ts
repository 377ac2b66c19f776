/**
 * Records every span created, wrapping the current tracer, so tests can check span names and
 * attributes.
 */
import { Effect, Exit, Tracer } from "effect"

export interface SpanRecorder {
  readonly tracer: Tracer.Tracer
  readonly spans: () => ReadonlyArray<Tracer.Span>
  /** Names, attributes and end status of every span, as one string. */
  readonly dump: () => string
}

export const makeSpanRecorder: Effect.Effect<SpanRecorder> = Effect.map(Effect.tracer, (base) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: (f, fiber) => base.context(f, fiber)
  })
  const dump = () =>
    spans
      .map((span) => {
        const exit =
          span.status._tag === "Ended"
            ? Exit.isFailure(span.status.exit)
              ? String(span.status.exit.cause)
              : "ok"
            : "open"
        return `${span.name} ${JSON.stringify(Object.fromEntries(span.attributes))} ${exit}`
      })
      .join("\n")
  return { tracer, spans: () => [...spans], dump }
})
