import type { MessageKind } from '../core/errors.js';

/** The subject prefix used when the module options give none. */
export const DEFAULT_SUBJECT_PREFIX = 'cqrs';

/**
 * The pattern (NATS subject) a remote message travels on: `<prefix>.<kind>.<message name>`, for
 * example `cqrs.command.orders.place`. One subject per message, so each service subscribes only to
 * what it serves and several services can share one broker; the prefix separates environments
 * or tenants that share it.
 */
export function remoteSubject(
  kind: MessageKind,
  messageName: string,
  prefix = DEFAULT_SUBJECT_PREFIX,
): string {
  return `${prefix}.${kind}.${messageName}`;
}
