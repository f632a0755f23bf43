import type { MessageKind } from '../core/errors.js';
import { InvalidSubjectError } from './remote-errors.js';

/** Dot-separated tokens of letters, digits, `_` and `-`: what a NATS subject can carry literally. */
const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

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
  const subject = `${prefix}.${kind}.${messageName}`;
  if (!SUBJECT.test(subject)) {
    // Spaces, `*` and `>` would change what a subject matches (wildcards) or be refused by NATS.
    throw new InvalidSubjectError(
      `Cannot route ${kind} '${messageName}' remotely: its subject '${subject}' may only hold letters, digits, ` +
        `'_', '-' and single dots. Rename it with @Message({ name }) or change the subjectPrefix.`,
    );
  }
  return subject;
}
