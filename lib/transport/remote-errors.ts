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
  ) {
    super(
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
