import { loadOptionalPeer } from '../core/optional-peer.js';

/** The OpenTelemetry API package, an optional peer dependency. */
export const OPEN_TELEMETRY_API = '@opentelemetry/api';

/** The shape of `@opentelemetry/api`, for the type checker only (nothing is imported at run time). */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

let loaded: OpenTelemetryApi | undefined;

/**
 * Loads `@opentelemetry/api` on first use (tracing is being turned on). When it is not installed,
 * throws an error that names the package and what needs it.
 */
export function openTelemetry(): OpenTelemetryApi {
  return (loaded ??= loadOptionalPeer<OpenTelemetryApi>(
    OPEN_TELEMETRY_API,
    'Tracing (CqrsLiteModule option `tracing`, tracingMiddleware())',
  ));
}

/**
 * `@opentelemetry/api` if tracing has loaded it in this process, else `undefined`. The transports
 * ask this before touching trace context, so that with tracing off the package is never loaded.
 */
export function loadedOpenTelemetry(): OpenTelemetryApi | undefined {
  return loaded;
}
