import type { ClientProxy } from '@nestjs/microservices';
import type { ForwardingEngine, ForwardTarget, Outgoing } from './forwarding.js';
import { sendRequest } from './remote-request.js';
import { remoteSubject } from './subjects.js';
import { openReply } from './wire.js';

/** How a sender reaches the handlers of another process over Nest microservices. */
export interface RemoteRoute {
  readonly client: ClientProxy;
  /** Display name of the client (its DI token), for `registrations()` and error messages. */
  readonly clientName: string;
  readonly timeout: number;
  readonly subjectPrefix: string | undefined;
}

/**
 * The Nest microservices engine of the forwarding layer: sends each envelope as a request on
 * `<prefix>.<kind>.<name>` with `client.send()`, waits for the reply within the dispatch's timeout,
 * and opens it (verifying its signature when authentication is configured).
 */
export function microservicesEngine(route: RemoteRoute): ForwardingEngine {
  const subjects = new Map<Function, string>();
  const subjectOf = (target: ForwardTarget) => {
    let subject = subjects.get(target.messageType);
    if (subject === undefined) {
      subject = remoteSubject(target.kind, target.messageName, route.subjectPrefix);
      subjects.set(target.messageType, subject);
    }
    return subject;
  };
  return {
    role: 'client',
    timeout: route.timeout,
    carriesDeadline: true,
    where: 'CqrsRemoteModule.forRoot()',
    handlerName: (target) => `remote via ${route.clientName} (${subjectOf(target)})`,
    send: ({ envelope, timeout, authenticator }: Outgoing, target: ForwardTarget) =>
      sendRequest(route.client, { ...target, subject: subjectOf(target) }, envelope, timeout).then((reply) =>
        openReply(
          reply,
          target.kind,
          target.messageType,
          authenticator && { authenticator, requestId: envelope.id },
        ),
      ),
  };
}
