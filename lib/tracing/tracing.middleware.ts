import type {
  Attributes,
  Context,
  Histogram,
  Span,
  SpanKind,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { CACHE_HIT } from '../core/context-items.js';
import type { MessageKind } from '../core/errors.js';
import { ContinuedContext, DispatchContext, type MessageContext } from '../core/message-context.js';
import type { CqrsMiddleware, Next } from '../core/middleware.js';
import { describeError } from '../core/names.js';
import { handlerMetrics, INSTRUMENTATION_NAME, type HandlerMetrics, type Series } from './handler-metrics.js';
import { openTelemetry, type OpenTelemetryApi } from './open-telemetry.js';
import { RECEIVING_ROLE, sendingRoleOf, type ReceivingRole, type RemoteRole } from './span-roles.js';
import { readTraceContext } from './trace-context.js';
import { TRACEPARENT_HEADER } from './trace-headers.js';

/** What is computed once per message type and bus kind: the span name and the metric series. */
interface Labels {
  readonly messageName: string;
  readonly spanName: string;
  readonly series: Series;
}

/**
 * Runs the rest of the chain inside an OpenTelemetry span named `<kind> <messageName>` and records
 * the handler metrics (SPEC §14). Put it first, so the span covers the whole chain; the Nest
 * module does that itself with `tracing: true`. Creating it loads `@opentelemetry/api`, and fails
 * naming the package when it is not installed.
 */
export class TracingMiddleware implements CqrsMiddleware {
  private readonly api: OpenTelemetryApi;
  private readonly kinds: Readonly<Record<RemoteRole | 'internal', SpanKind>>;
  private readonly labels = new WeakMap<Function, Partial<Record<MessageKind, Labels>>>();
  private readonly metrics: HandlerMetrics;
  private tracerSource: TracerProvider | undefined;
  private tracer: Tracer | undefined;

  constructor() {
    this.api = openTelemetry();
    this.metrics = handlerMetrics(this.api);
    const { SpanKind } = this.api;
    this.kinds = {
      internal: SpanKind.INTERNAL,
      client: SpanKind.CLIENT,
      producer: SpanKind.PRODUCER,
      server: SpanKind.SERVER,
      consumer: SpanKind.CONSUMER,
    };
  }

  /** Starts the span, runs `next()` with it active, and ends it once the chain has settled. */
  handle(message: object, next: Next, context: MessageContext): unknown {
    const { api } = this;
    const labels = this.labelsOf(context);
    const handler = handlerNameOf(context);
    let parent = api.context.active();
    let role: RemoteRole | undefined;
    const received = parent.getValue(RECEIVING_ROLE) as ReceivingRole | undefined;
    if (received !== undefined) {
      role = received;
      // Dispatches the handler makes are not received ones.
      parent = parent.deleteValue(RECEIVING_ROLE);
    }
    if (context.headers[TRACEPARENT_HEADER] !== undefined) {
      parent = continuedTrace(
        api,
        parent,
        context.headers,
        received !== undefined || context instanceof ContinuedContext,
      );
    }
    role ??= sendingRoleOf(context.messageType, handler);
    const attributes: Attributes = {
      'cqrs.kind': context.kind,
      'cqrs.message.name': context.messageName,
      'cqrs.message.id': context.id,
      'cqrs.correlation_id': context.correlationId,
    };
    if (handler !== undefined) attributes['cqrs.handler'] = handler;
    const span = this.currentTracer().startSpan(
      labels.spanName,
      { kind: this.kinds[role ?? 'internal'], attributes },
      parent,
    );
    const histogram = this.metrics.started(labels.series);
    const started = performance.now();
    let result: unknown;
    try {
      result = api.context.with(api.trace.setSpan(parent, span), next);
    } catch (error) {
      // `next` from a bus never throws; one given by hand might.
      this.finish(span, context, labels.series, histogram, started, true, error);
      throw error;
    }
    return (result instanceof Promise ? result : Promise.resolve(result)).then(
      (value: unknown) => {
        this.finish(span, context, labels.series, histogram, started, false, undefined);
        return value;
      },
      (error: unknown) => {
        this.finish(span, context, labels.series, histogram, started, true, error);
        throw error;
      },
    );
  }

  private finish(
    span: Span,
    context: MessageContext,
    series: Series,
    histogram: Histogram,
    started: number,
    failed: boolean,
    error: unknown,
  ): void {
    if (context.kind === 'query' && context.items.has(CACHE_HIT)) {
      span.setAttribute('cqrs.cache.hit', context.items.get(CACHE_HIT) === true);
    }
    if (failed) {
      span.recordException(error instanceof Error ? error : describeError(error));
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: describeError(error) });
    }
    span.end();
    this.metrics.ended(series, histogram, (performance.now() - started) / 1000, failed);
  }

  /** The tracer of the registered provider; looked up again when another one is registered. */
  private currentTracer(): Tracer {
    const provider = this.api.trace.getTracerProvider();
    // The global provider is a proxy; its delegate changes when an SDK registers (or re-registers).
    const source =
      typeof (provider as { getDelegate?: unknown }).getDelegate === 'function'
        ? (provider as unknown as { getDelegate(): TracerProvider }).getDelegate()
        : provider;
    if (source !== this.tracerSource || this.tracer === undefined) {
      this.tracerSource = source;
      this.tracer = source.getTracer(INSTRUMENTATION_NAME);
    }
    return this.tracer;
  }

  private labelsOf(context: MessageContext): Labels {
    const { kind, messageName, messageType } = context;
    const cacheable = typeof messageType === 'function';
    let byKind = cacheable ? this.labels.get(messageType) : undefined;
    const cached = byKind?.[kind];
    if (cached !== undefined && cached.messageName === messageName) return cached;
    const labels: Labels = {
      messageName,
      spanName: `${kind} ${messageName}`,
      series: this.metrics.seriesOf(kind, messageName),
    };
    if (cacheable) {
      if (byKind === undefined) this.labels.set(messageType, (byKind = {}));
      byKind[kind] = labels;
    }
    return labels;
  }
}

/**
 * The parent of a handler span whose dispatch carries a `traceparent` header. The active span stays
 * the parent when it belongs to that trace already (the handler of a received message passing its
 * headers on, or a transport instrumentation that continued the trace). Otherwise the sender's span
 * named by the header is, for a dispatch received from another process (an envelope), or when no
 * span is active.
 */
function continuedTrace(
  api: OpenTelemetryApi,
  active: Context,
  headers: Readonly<Record<string, string>>,
  received: boolean,
): Context {
  const remote = readTraceContext(api, headers);
  if (remote === undefined) return active;
  const current = api.trace.getSpanContext(active);
  if (
    current !== undefined &&
    api.trace.isSpanContextValid(current) &&
    (current.traceId === remote.traceId || !received)
  )
    return active;
  return api.trace.setSpanContext(active, remote);
}

/** The handler's name as `registrations()` reports it, for contexts the buses built. */
function handlerNameOf(context: MessageContext): string | undefined {
  return context instanceof DispatchContext ? context.handlerName || undefined : undefined;
}

/**
 * The tracing middleware for a standalone bus: `new CommandBus({ middleware: [tracingMiddleware()] })`.
 * Place it first. Loads `@opentelemetry/api` (an optional peer), and throws naming it when it is not
 * installed.
 */
export function tracingMiddleware(): TracingMiddleware {
  return new TracingMiddleware();
}
