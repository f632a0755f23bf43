/**
 * The header every handler's context carries for an event consumed from JetStream: which delivery
 * of the event this is, `'1'` for the first. A value above 1 is a redelivery (after a failed
 * attempt, or after the consumer crashed before it acknowledged): make handlers idempotent by
 * `context.id`.
 */
export const DELIVERY_ATTEMPT_HEADER = 'cqrs-delivery-attempt';

/** Header of a parked event: why it was parked (`max-deliver` or `invalid-envelope`). */
export const PARKED_REASON_HEADER = 'cqrs-parked-reason';

/** Header of a parked event: the last error's message. */
export const PARKED_ERROR_HEADER = 'cqrs-parked-error';

/** Header of a parked event: how many attempts were made. */
export const PARKED_ATTEMPTS_HEADER = 'cqrs-parked-attempts';

/** Header of a parked event: its sequence number in the event stream. */
export const PARKED_SEQUENCE_HEADER = 'cqrs-parked-sequence';
