import type { ClientProxy } from '@nestjs/microservices';
import type { MessageKind } from '../core/errors.js';
import type { MessageContext } from '../core/message-context.js';
import { getMessageMetadata, type Type } from '../core/messages.js';
import { asForwarder, forwardEnvelope } from './envelope-relay.js';
import { sendRequest, type RemoteTarget } from './remote-request.js';
import { timeoutOf } from './remote-timeout.js';
import { remoteSubject } from './subjects.js';
import { openReply } from './wire.js';

/** How a sender reaches the handlers of another process. */
export interface RemoteRoute {
  readonly client: ClientProxy;
  /** Display name of the client (its DI token), for `registrations()` and error messages. */
  readonly clientName: string;
  readonly timeout: number;
  readonly subjectPrefix: string | undefined;
}

/**
 * The handler a sender registers on its own bus for a message handled elsewhere: it sends the
 * message in an envelope that continues the dispatch (same id, correlation, causation,
 * timestamp and headers), waits for the reply within the timeout, and resolves to the remote
 * result or rejects with the remote error. So the sender's bus middleware runs first, as for a
 * local handler.
 */
export function remoteHandler(
  kind: MessageKind,
  messageType: Type,
  route: RemoteRoute,
): (message: object, context: MessageContext) => Promise<unknown> {
  const messageName = getMessageMetadata(messageType).name;
  const target: RemoteTarget = {
    kind,
    messageType,
    messageName,
    subject: remoteSubject(kind, messageName, route.subjectPrefix),
  };
  const { client, timeout } = route;
  const handler = (message: object, context: MessageContext): Promise<unknown> =>
    sendRequest(client, target, forwardEnvelope(message, context), timeoutOf(context.headers, timeout)).then(
      (reply) => openReply(reply, kind, messageType),
    );
  // registrations() and DuplicateHandlerError name the route, not an anonymous arrow.
  Object.defineProperty(handler, 'name', { value: `remote via ${route.clientName} (${target.subject})` });
  return asForwarder(handler, messageType, 'client');
}
