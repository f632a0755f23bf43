import { CqrsError, HandlerNotFoundError, type MessageKind } from '../core/errors.js';

/**
 * An error raised by a handler (or its middleware) in another process. Keeps the original
 * `name`, `code` and `message`; `code` is `CQRS_REMOTE_ERROR` when the original had none.
 */
export class RemoteError extends CqrsError {
  readonly code: string;

  constructor(
    /** The original error's class name. */
    name: string,
    code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = name;
    this.code = code ?? 'CQRS_REMOTE_ERROR';
  }
}

/** The receiving process has no handler for the message (it is routed there, but not served). */
export class RemoteHandlerNotFoundError extends HandlerNotFoundError {
  constructor(kind: MessageKind, messageType: Function, remoteMessage: string) {
    super(kind, messageType);
    this.message = `The remote service answered: ${remoteMessage}`;
  }
}

/** A remote dispatch got no answer within its timeout. Nothing is known about its outcome. */
export class RemoteTimeoutError extends CqrsError {
  readonly code = 'CQRS_REMOTE_TIMEOUT';

  constructor(
    /** The message's name. */
    readonly messageName: string,
    /** The timeout that ran out, in milliseconds. */
    readonly timeoutMs: number,
    /** What happened instead of the default explanation (a receiver that dropped the work says so). */
    detail?: string,
  ) {
    super(
      detail ??
        `No answer for ${messageName} within ${timeoutMs} ms. The remote handler may or may not have run; ` +
          `raise the timeout (module option or per dispatch) or make the handler idempotent and retry.`,
    );
  }
}

/** The broker or queue that carries a remote message could not be reached. */
export class TransportUnavailableError extends CqrsError {
  readonly code = 'CQRS_TRANSPORT_UNAVAILABLE';

  constructor(
    /** The message's name. */
    readonly messageName: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot send ${messageName}: ${detail}`, options);
  }
}

/** A timeout (module option or `cqrs-timeout` header) is not an integer number of ms in 1…2³¹−1. */
export class InvalidTimeoutError extends CqrsError {
  readonly code = 'CQRS_INVALID_TIMEOUT';

  constructor(where: string, value: unknown) {
    super(
      `${where}: the timeout must be an integer number of milliseconds from 1 to 2147483647 ` +
        `(Node's timer limit; a longer one would fire after 1 ms), got ${JSON.stringify(value) ?? String(value)}.`,
    );
  }
}

/** A message name or subject prefix that cannot be carried literally in a NATS subject. */
export class InvalidSubjectError extends CqrsError {
  readonly code = 'CQRS_INVALID_SUBJECT';
}

/** The client token of `CqrsRemoteModule.forRoot()` resolves to nothing, or to something that is not a `ClientProxy`. */
export class TransportClientError extends CqrsError {
  readonly code = 'CQRS_INVALID_CLIENT';
}

/** Transport options that cannot work (say which and what to do), found at configuration. */
export class InvalidTransportOptionsError extends CqrsError {
  readonly code = 'CQRS_INVALID_TRANSPORT_OPTIONS';
}

/**
 * The receiver already runs `maxInFlight` messages and its queue (`maxQueued`) is full: the
 * message was refused without running. Retry later, or scale the receiving service out.
 */
export class ReceiverBusyError extends CqrsError {
  readonly code = 'CQRS_RECEIVER_BUSY';

  constructor(
    /** The message's name. */
    readonly messageName: string,
    maxInFlight: number,
    maxQueued: number,
  ) {
    super(
      `The receiver refused ${messageName} without running it: ${maxInFlight} messages are running and ` +
        `${maxQueued} are waiting (maxInFlight / maxQueued). Retry later or add receivers.`,
    );
  }
}

/** Why a message or reply failed authentication. */
export type AuthenticationFailure =
  'unsigned' | 'unknown-key' | 'bad-signature' | 'replayed' | 'expired' | 'from-the-future';

/**
 * A signed transport refused an envelope or a reply: unsigned, signed with an unknown key id or
 * a wrong key, already seen (replay), or outside the accepted age. The message did not run.
 */
export class MessageAuthenticationError extends CqrsError {
  readonly code = 'CQRS_UNAUTHENTICATED';

  constructor(
    /** What was wrong. */
    readonly reason: AuthenticationFailure,
    detail: string,
  ) {
    super(`Message authentication failed (${reason}): ${detail}`);
  }
}

/**
 * A queue already holds a job under this envelope id with another message: the re-send was not
 * queued. Ids are unique per dispatch; re-send the same envelope only to retry the same command.
 */
export class EnvelopeConflictError extends CqrsError {
  readonly code = 'CQRS_ENVELOPE_ID_CONFLICT';

  constructor(queue: string, id: string) {
    super(
      `The queue '${queue}' already holds job ${id} with another message: the command was not queued. ` +
        `Each dispatch needs its own envelope id; re-send an envelope unchanged only to retry it.`,
    );
  }
}
