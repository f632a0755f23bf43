import { loadedOpenTelemetry } from './open-telemetry.js';

/**
 * How a handler's span takes part in a trace across processes (SPEC §14 T2): the sender's
 * forwarding handler makes a request (`client`) or queues a job (`producer`); the receiver's
 * handler answers one (`server`) or takes one (`consumer`).
 */
export type RemoteRole = SendingRole | ReceivingRole;

/** The role of a handler that sends its messages to another process. */
export type SendingRole = 'client' | 'producer';

/** The role of a dispatch received from another process. */
export type ReceivingRole = 'server' | 'consumer';

/**
 * The OpenTelemetry context key under which `receivingAs` tells the tracing step that a dispatch
 * was received, and in which role.
 */
export const RECEIVING_ROLE = Symbol('nestjs-cqrs-lite:receiving-role');

/** Forwarding handlers, by message type and then handler name (`registrations()`'s `handler`). */
const sending = new WeakMap<Function, Map<string, SendingRole>>();

/**
 * Records that the handler named `handlerName` for `messageType` forwards messages to another
 * process, so that tracing gives its span the kind of `role`. Costs nothing with tracing off.
 */
export function markSendingHandler(messageType: Function, handlerName: string, role: SendingRole): void {
  let byName = sending.get(messageType);
  if (byName === undefined) sending.set(messageType, (byName = new Map()));
  byName.set(handlerName, role);
}

/** The role recorded by `markSendingHandler`, if any. */
export function sendingRoleOf(
  messageType: Function,
  handlerName: string | undefined,
): SendingRole | undefined {
  return handlerName === undefined ? undefined : sending.get(messageType)?.get(handlerName);
}

/**
 * Runs `receive` (a call that dispatches an envelope received from another process) so that the
 * tracing step of its chain knows the dispatch was received, and in which role. With tracing off
 * it only calls `receive`.
 */
export function receivingAs<T>(role: ReceivingRole, receive: () => T): T {
  const api = loadedOpenTelemetry();
  if (api === undefined) return receive();
  return api.context.with(api.context.active().setValue(RECEIVING_ROLE, role), receive);
}
