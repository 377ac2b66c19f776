/**
 * Records every span created, wrapping the current tracer, so tests can check span names,
 * attributes, events and parents.
 */
import { Effect, Exit, Tracer } from "effect"

/** An event added to a recorded span. */
export interface RecordedEvent {
  readonly name: string
  readonly time: bigint
  readonly attributes: Record<string, unknown>
}

export interface SpanRecorder {
  readonly tracer: Tracer.Tracer
  readonly spans: () => ReadonlyArray<Tracer.Span>
  /** The events of `span`, in the order they were added. */
  readonly events: (span: Tracer.Span) => ReadonlyArray<RecordedEvent>
  /** Names, attributes, events and end status of every span, as one string. */
  readonly dump: () => string
}

export const makeSpanRecorder: Effect.Effect<SpanRecorder> = Effect.map(Effect.tracer, (base) => {
  const spans: Array<Tracer.Span> = []
  const eventsOf = new Map<Tracer.Span, Array<RecordedEvent>>()
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      const events: Array<RecordedEvent> = []
      const event = span.event.bind(span)
      span.event = (name, time, attributes) => {
        events.push({ name, time, attributes: attributes ?? {} })
        event(name, time, attributes)
      }
      spans.push(span)
      eventsOf.set(span, events)
      return span
    },
    context: (f, fiber) => base.context(f, fiber)
  })
  const events = (span: Tracer.Span) => eventsOf.get(span) ?? []
  const dump = () =>
    spans
      .map((span) => {
        const exit =
          span.status._tag === "Ended"
            ? Exit.isFailure(span.status.exit)
              ? String(span.status.exit.cause)
              : "ok"
            : "open"
        const recorded = events(span).map((each) => `${each.name} ${JSON.stringify(each.attributes)}`)
        return [
          `${span.name} ${JSON.stringify(Object.fromEntries(span.attributes))} ${exit}`,
          ...recorded
        ].join("\n  ")
      })
      .join("\n")
  return { tracer, spans: () => [...spans], events, dump }
})
