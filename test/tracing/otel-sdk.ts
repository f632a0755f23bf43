/**
 * The real OpenTelemetry SDK for the tracing tests, registered globally as an application would:
 * an AsyncLocalStorage context manager, a tracer provider exporting to memory, and a meter provider
 * whose metrics are read back on demand.
 */
import { context, metrics, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

export interface TestSdk {
  /** Finished spans, oldest first. */
  spans(): ReadableSpan[];
  /** The finished span named `name` (fails when there is not exactly one). */
  span(name: string): ReadableSpan;
  /** Forgets the spans and metrics recorded so far. */
  reset(): Promise<void>;
  /** The metric named `name` as collected now (cumulative), or undefined. */
  metric(name: string): Promise<MetricData | undefined>;
  /** Unregisters everything. */
  shutdown(): Promise<void>;
}

/** Registers the SDK globally for this test file. */
export function registerTestSdk(): TestSdk {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(tracerProvider);
  let metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  let reader: PeriodicExportingMetricReader;
  let meterProvider: MeterProvider;
  const registerMeters = () => {
    metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    meterProvider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(meterProvider);
  };
  registerMeters();

  return {
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) {
        const names = exporter.getFinishedSpans().map((span) => span.name);
        throw new Error(
          `expected one span named '${name}', found ${found.length} among [${names.join(', ')}]`,
        );
      }
      return found[0]!;
    },
    async reset() {
      exporter.reset();
      // A fresh meter provider: cumulative sums start again from zero.
      await meterProvider.shutdown();
      metrics.disable();
      registerMeters();
    },
    async metric(name) {
      await reader.forceFlush();
      const batches = metricExporter.getMetrics();
      const last = batches[batches.length - 1];
      return last?.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}

/** The data points of a metric, as `[attributes, value]` pairs (a histogram's value is its count). */
export function points(metric: MetricData | undefined): Array<[Record<string, unknown>, number]> {
  if (metric === undefined) return [];
  return (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => [
    point.attributes,
    metric.dataPointType === DataPointType.HISTOGRAM
      ? (point.value as Histogram).count
      : (point.value as number),
  ]);
}

/** Runs `fn` inside a new active span named `name`, ending it when `fn` settles. */
export async function withSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('test').startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}

/** The id of a span's parent (undefined for a root span). */
export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** The id of a span. */
export const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
