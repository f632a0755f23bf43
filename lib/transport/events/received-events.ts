import type { EventBus } from '../../core/event-bus.js';
import type { DispatchOptions, MessageContext } from '../../core/message-context.js';
import type { ReceivingRole } from '../../tracing/span-roles.js';
import { receiveEnvelope } from '../envelope-relay.js';

/** Ids of the event envelopes being published on this process's buses right now, from the wire. */
const receiving = new Map<string, number>();

/**
 * Publishes an event envelope received from another process on the local `EventBus`
 * (`publishEnvelope`: allow-list, validation and middleware apply), remembering its id while its
 * handlers run so that the forwarders of this process do not send it out again (an echo).
 */
export function publishReceivedEvent(
  eventBus: EventBus,
  envelope: unknown,
  role: ReceivingRole,
  options?: DispatchOptions,
): Promise<void> {
  const id = (envelope as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') return receiveEnvelope(role, () => eventBus.publishEnvelope(envelope, options));
  receiving.set(id, (receiving.get(id) ?? 0) + 1);
  const release = () => {
    const count = receiving.get(id)! - 1;
    if (count === 0) receiving.delete(id);
    else receiving.set(id, count);
  };
  let outcome: Promise<void>;
  try {
    outcome = receiveEnvelope(role, () => eventBus.publishEnvelope(envelope, options));
  } catch (error) {
    release();
    throw error;
  }
  return outcome.finally(release);
}

/** Whether the event of this context came from another process (so it must not be forwarded again). */
export function isReceivedEvent(context: MessageContext): boolean {
  return receiving.size > 0 && receiving.has(context.id);
}
