import type { Attributes, Histogram, MeterProvider, ObservableResult } from '@opentelemetry/api';
import type { MessageKind } from '../core/errors.js';
import type { OpenTelemetryApi } from './open-telemetry.js';

/** The instrumentation scope of every span and instrument this package creates. */
export const INSTRUMENTATION_NAME = 'nestjs-cqrs-lite';

/** Bucket boundaries (seconds) for handler durations: 1 ms to 10 s. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One message name of one kind: its metric attributes and how many of its handlers run now. */
export interface Series {
  readonly inFlight: Attributes;
  readonly ok: Attributes;
  readonly error: Attributes;
  /** Handler invocations in progress, in every application of this process. */
  running: number;
}

/**
 * The handler metrics of SPEC §14 T3, shared by every tracing step of the process:
 * `cqrs.handler.duration`, a histogram recorded once per invocation, and `cqrs.in_flight`, an
 * (asynchronous) up-down counter whose value is observed when the metrics are collected, so that
 * counting costs a plain increment per invocation. Instruments are made on first use and again
 * when another meter provider is registered: a meter taken before that would stay a no-op.
 */
export class HandlerMetrics {
  private readonly series = new Map<string, Series>();
  private source: MeterProvider | undefined;
  private histogram: Histogram | undefined;

  constructor(private readonly api: OpenTelemetryApi) {}

  /** The series of a message name and kind (callers keep it, this is a map lookup). */
  seriesOf(kind: MessageKind, messageName: string): Series {
    const key = `${kind} ${messageName}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const inFlight = { 'cqrs.kind': kind, 'cqrs.message.name': messageName };
      series = {
        inFlight,
        ok: { ...inFlight, 'cqrs.outcome': 'ok' },
        error: { ...inFlight, 'cqrs.outcome': 'error' },
        running: 0,
      };
      this.series.set(key, series);
    }
    return series;
  }

  /** An invocation starts: returns the histogram to record its end on (the provider's of now). */
  started(series: Series): Histogram {
    series.running++;
    return this.currentHistogram();
  }

  /** An invocation has settled. */
  ended(series: Series, histogram: Histogram, seconds: number, failed: boolean): void {
    series.running--;
    histogram.record(seconds, failed ? series.error : series.ok);
  }

  private currentHistogram(): Histogram {
    const provider = this.api.metrics.getMeterProvider();
    if (provider === this.source && this.histogram !== undefined) return this.histogram;
    const meter = provider.getMeter(INSTRUMENTATION_NAME);
    this.source = provider;
    this.histogram = meter.createHistogram('cqrs.handler.duration', {
      description: 'Duration of handler invocations (the whole middleware chain), by outcome.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    meter
      .createObservableUpDownCounter('cqrs.in_flight', {
        description: 'Handler invocations in progress.',
        unit: '{invocation}',
      })
      .addCallback((result: ObservableResult) => {
        for (const series of this.series.values()) result.observe(series.running, series.inFlight);
      });
    return this.histogram;
  }
}

let shared: HandlerMetrics | undefined;

/** The process's handler metrics (one set, whatever the number of applications and buses). */
export function handlerMetrics(api: OpenTelemetryApi): HandlerMetrics {
  return (shared ??= new HandlerMetrics(api));
}
