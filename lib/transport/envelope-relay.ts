import { continueInEnvelope, type Envelope } from '../core/envelope.js';
import type { MessageContext } from '../core/message-context.js';
import {
  markSendingHandler,
  receivingAs,
  type ReceivingRole,
  type SendingRole,
} from '../tracing/span-roles.js';
import { injectActiveTraceContext } from '../tracing/trace-headers.js';

/**
 * What every transport does with a dispatch it forwards and with an envelope it receives, whatever
 * the engine: the envelope continues the dispatch (same id, correlation, causation, timestamp and
 * headers) and, with tracing on, carries the trace context of the sender's span (SPEC §14 T2), and
 * the receiver's handler span continues that trace.
 */

/** The envelope in which a forwarding handler sends its message on. */
export function forwardEnvelope(message: object, context: MessageContext): Envelope {
  const envelope = continueInEnvelope(message, context);
  injectActiveTraceContext(envelope.headers);
  return envelope;
}

/**
 * Marks a forwarding handler (already given its display name) for `messageType`: with tracing on,
 * its span is a `CLIENT` span for a request (`client`) or a `PRODUCER` span for a queued job
 * (`producer`). Returns the handler.
 */
export function asForwarder<H extends Function>(handler: H, messageType: Function, role: SendingRole): H {
  markSendingHandler(messageType, handler.name, role);
  return handler;
}

/**
 * Runs `dispatch` (which runs a received envelope on a local bus) so that, with tracing on, the
 * handler span is a `SERVER` span for a request (`server`) or a `CONSUMER` span for a job
 * (`consumer`), child of the sender's span.
 */
export function receiveEnvelope<T>(role: ReceivingRole, dispatch: () => T): T {
  return receivingAs(role, dispatch);
}
