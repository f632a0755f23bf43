/**
 * OpenTelemetry for the sample app, on only when asked: `OTEL_TRACES_EXPORTER=console npm start`
 * prints every span as it ends, `OTEL_METRICS_EXPORTER=console` the metrics every ten seconds.
 * Imported first by main.ts, so the providers exist before any dispatch.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

// OTEL_TRACES_EXPORTER=console prints each span as it ends (the tree is in the parent ids).
if (process.env.OTEL_TRACES_EXPORTER === 'console') {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] }),
  );
}
// OTEL_METRICS_EXPORTER=console prints the metrics every ten seconds.
if (process.env.OTEL_METRICS_EXPORTER === 'console') {
  const exporter = new ConsoleMetricExporter();
  metrics.setGlobalMeterProvider(
    new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 10_000 })],
    }),
  );
}
