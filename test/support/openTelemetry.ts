/**
 * `@effect/opentelemetry`'s `NodeSdk.layer` over the OpenTelemetry SDK's in-memory exporters:
 * the spans and metrics the library exports, read back as a backend would get them.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { type CollectionResult, type MetricData, MetricReader } from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer } from "effect"
import type { Retry } from "../../src/index.js"
import { services } from "./services.js"

/** A metric reader that exports nowhere: the test collects from it. */
export class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve()
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve()
  }
}

/** `NodeSdk.layer` with an in-memory span exporter and a reader to collect metrics from. */
export const openTelemetry = () => {
  const spans = new InMemorySpanExporter()
  const reader = new CollectingReader()
  const layer = NodeSdk.layer(() => ({
    resource: { serviceName: "effect-retry-alerts-test" },
    spanProcessor: new SimpleSpanProcessor(spans),
    metricReader: reader
  }))
  return { spans, reader, layer }
}

/**
 * `self` under `otel`'s layer and fresh alert services, with the spans exported by its end: read
 * before the layer is released, as the SDK's shutdown empties the exporter.
 */
export const exporting = <A, E>(
  otel: ReturnType<typeof openTelemetry>,
  self: Effect.Effect<A, E, Retry.Requirements>
): Effect.Effect<readonly [A, ReadonlyArray<ReadableSpan>], E> =>
  Effect.zip(
    self,
    Effect.sync(() => otel.spans.getFinishedSpans())
  ).pipe(Effect.provide(Layer.merge(otel.layer, services())))

/** The data points of the metric `name` in `collected`. */
export const metric = (collected: CollectionResult, name: string): MetricData | undefined =>
  collected.resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((each) => each.descriptor.name === name)

/** The value of `name`'s data point with exactly `attributes`, `undefined` when there is none. */
export const pointOf = (collected: CollectionResult, name: string, attributes: Record<string, string>) =>
  metric(collected, name)?.dataPoints.find(
    (point) => JSON.stringify(point.attributes) === JSON.stringify(attributes)
  )?.value
