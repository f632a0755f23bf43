import type { Context } from '@opentelemetry/api';
import { loadedOpenTelemetry, openTelemetry, type OpenTelemetryApi } from './open-telemetry.js';

/** The W3C Trace Context header naming the span a message was sent from. */
export const TRACEPARENT_HEADER = 'traceparent';

/** The W3C Trace Context header carrying vendor-specific trace state. */
export const TRACESTATE_HEADER = 'tracestate';

/**
 * What the transports call when they forward a dispatch to another process: when tracing is on
 * (it has loaded `@opentelemetry/api`) and a span is active, its trace context goes into the
 * envelope's headers. With tracing off, nothing is loaded and nothing is written.
 */
export function injectActiveTraceContext(headers: Record<string, string>): void {
  const api = loadedOpenTelemetry();
  if (api !== undefined) writeTraceContext(api, api.context.active(), headers);
}

/**
 * The W3C trace context of the active span as headers (`{}` when no span is active), for envelopes
 * you send yourself: `bus.toEnvelope(message, { headers: traceHeaders() })`. The receiving bus
 * continues the trace when it runs the envelope with tracing on. Loads `@opentelemetry/api`.
 */
export function traceHeaders(): Record<string, string> {
  const api = openTelemetry();
  const headers: Record<string, string> = {};
  writeTraceContext(api, api.context.active(), headers);
  return headers;
}

/**
 * Writes the W3C trace context (`traceparent`, and `tracestate` when there is one) of the span
 * active in `context` into `headers`, replacing any there. Does nothing without a valid span.
 * Formatted here rather than through the global propagator, so it works whatever propagator the
 * application registered (or none).
 */
function writeTraceContext(api: OpenTelemetryApi, context: Context, headers: Record<string, string>): void {
  const span = api.trace.getSpanContext(context);
  if (span === undefined || !api.trace.isSpanContextValid(span)) return;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  headers[TRACEPARENT_HEADER] = `00-${span.traceId}-${span.spanId}-${flags}`;
  const state = span.traceState?.serialize();
  if (state) headers[TRACESTATE_HEADER] = state;
  else delete headers[TRACESTATE_HEADER];
}
