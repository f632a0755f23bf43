import type { ClientProxy } from '@nestjs/microservices';
import { describeError } from '../core/names.js';
import {
  RemoteError,
  RemoteHandlerNotFoundError,
  RemoteTimeoutError,
  TransportUnavailableError,
} from './remote-errors.js';
import type { MessageKind } from '../core/errors.js';

/** What Nest's servers answer when no handler listens on the pattern (`NO_MESSAGE_HANDLER`). */
const NO_MESSAGE_HANDLER = 'There is no matching message handler defined in the remote service.';

/** One remote message type, as the sender sends it. */
export interface RemoteTarget {
  readonly kind: MessageKind;
  readonly messageType: Function;
  readonly messageName: string;
  readonly subject: string;
}

/**
 * Sends `data` on the target's subject with `client.send()` and resolves to the last value the
 * reply stream emits. Bounded by `timeoutMs`: when it runs out the request is dropped (its reply
 * subscription too) and the promise rejects with `RemoteTimeoutError`. A transport failure
 * (broker unreachable, connection lost, nobody subscribed) rejects with
 * `TransportUnavailableError`; an error the remote side raised outside our reply format, with
 * `RemoteError`.
 */
export function sendRequest(
  client: ClientProxy,
  target: RemoteTarget,
  data: object,
  timeoutMs: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let done = false;
    let last: unknown;
    let subscription: { unsubscribe(): void } | undefined;
    const finish = () => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      return true;
    };
    const timer = setTimeout(() => {
      if (!finish()) return;
      subscription?.unsubscribe();
      reject(new RemoteTimeoutError(target.messageName, timeoutMs));
    }, timeoutMs);
    try {
      subscription = client.send(target.subject, data).subscribe({
        next: (value) => {
          last = value;
        },
        error: (error: unknown) => {
          if (finish()) reject(transportError(error, target));
        },
        complete: () => {
          if (finish()) resolve(last);
        },
      });
    } catch (error) {
      if (finish()) reject(transportError(error, target));
    }
    // `subscribe` may settle before it returns; the subscription is then released here.
    if (done) subscription?.unsubscribe();
  });
}

/** Maps what a `ClientProxy` reports as an error to our classes. */
function transportError(error: unknown, target: RemoteTarget): Error {
  if (error === NO_MESSAGE_HANDLER) {
    return new RemoteHandlerNotFoundError(
      target.kind,
      target.messageType,
      `nothing handles '${target.subject}' there (${NO_MESSAGE_HANDLER})`,
    );
  }
  if (error instanceof Error) {
    if (error.constructor.name === 'EmptyResponseException') {
      return new TransportUnavailableError(
        target.messageName,
        `no process serves '${target.subject}' (the broker found no subscriber). Start the service that ` +
          `lists it in CqrsRemoteModule.serve(), or check both sides use the same subject prefix. ` +
          `The message was not delivered.`,
        { cause: error },
      );
    }
    return new TransportUnavailableError(target.messageName, error.message, { cause: error });
  }
  if (typeof error === 'string') return new TransportUnavailableError(target.messageName, error);
  // A plain object: an error serialized by the remote side (an RpcException, Nest's 'Internal server error').
  const remote = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  return new RemoteError(
    typeof remote.name === 'string' ? remote.name : 'Error',
    typeof remote.code === 'string' ? remote.code : undefined,
    typeof remote.message === 'string' ? remote.message : describeError(error),
  );
}
