import type { SpanContext } from '@opentelemetry/api';
import type { OpenTelemetryApi } from './open-telemetry.js';
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './trace-headers.js';

/** `version-traceid-parentid-flags`, lower-case hex; later versions may append fields. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[^\s]*)?$/;

/**
 * The remote span context that `headers` carry (from another process, so untrusted), or
 * `undefined` when `traceparent` is absent or malformed.
 */
export function readTraceContext(
  api: OpenTelemetryApi,
  headers: Readonly<Record<string, string>>,
): SpanContext | undefined {
  const header = headers[TRACEPARENT_HEADER];
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is invalid; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const span: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16),
    isRemote: true,
  };
  if (!api.trace.isSpanContextValid(span)) return undefined;
  const state = headers[TRACESTATE_HEADER];
  if (typeof state === 'string' && state !== '') span.traceState = api.createTraceState(state);
  return span;
}
