import { type Exit, Tracer } from "effect"

/** A span as the test tracer records it once ended. */
export interface RecordedSpan {
  readonly name: string
  readonly attributes: ReadonlyMap<string, unknown>
  readonly exit: Exit.Exit<unknown, unknown> | undefined
}

/** A tracer that keeps every span it makes, for tests that assert on spans. */
export const recordingTracer = () => {
  const spans: Array<RecordedSpan & { exit: Exit.Exit<unknown, unknown> | undefined }> = []
  let ids = 0
  const tracer = Tracer.make({
    span(name, parent, context, links, startTime, kind) {
      const attributes = new Map<string, unknown>()
      const record = { name, attributes, exit: undefined as Exit.Exit<unknown, unknown> | undefined }
      spans.push(record)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${++ids}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links: [...links],
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          record.exit = exit
        },
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}
