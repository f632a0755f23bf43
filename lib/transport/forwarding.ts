/**
 * The forwarding layer shared by every transport: for each routed message type, one handler on
 * the local bus that wraps the message in an envelope continuing the dispatch (id, correlation,
 * causation, timestamp, headers, trace context), drops the sender-only headers (`cqrs-timeout`,
 * and those the engine names), adds the caller's deadline and the signature when configured, and
 * hands the envelope to the engine's `send`. So the sender's middleware and validation run first,
 * as for a local handler, and an engine only implements its own `send`.
 *
 * Stable API for other transports: `registerForwarders(bus, kind, types, engine, settings)`.
 */
import type { MessageKind } from '../core/errors.js';
import type { Envelope } from '../core/envelope.js';
import type { MessageContext } from '../core/message-context.js';
import { getMessageMetadata, type Type } from '../core/messages.js';
import type { Middleware } from '../core/middleware.js';
import type { RegisterOptions } from '../core/route.js';
import type { SendingRole } from '../tracing/span-roles.js';
import { asForwarder, forwardEnvelope } from './envelope-relay.js';
import { MessageAuthenticator, type MessageAuthenticationOptions } from './message-authentication.js';
import { assertTimeout, DEADLINE_HEADER, REMOTE_TIMEOUT_HEADER, timeoutOf } from './remote-timeout.js';

/** One message type as an engine sends it. */
export interface ForwardTarget {
  /** Which bus it was dispatched on. */
  readonly kind: MessageKind;
  /** Its class. */
  readonly messageType: Type;
  /** Its message name (`@Message({ name })`, else the class name). */
  readonly messageName: string;
}

/** What one dispatch hands to an engine. */
export interface Outgoing {
  /** The envelope, final (signed when configured). */
  readonly envelope: Envelope;
  /** This dispatch's bound in ms (the `cqrs-timeout` header's, else the engine's default). */
  readonly timeout: number;
  /** The sender's context (its headers still hold the sender-only ones, e.g. `cqrs-wait`). */
  readonly context: MessageContext;
  /** The authenticator, to verify the reply, when authentication is configured. */
  readonly authenticator: MessageAuthenticator | undefined;
}

/** An engine's sending side: only its own `send`. */
export interface ForwardingEngine {
  /** How tracing shows the forwarding handler (`client` for request/reply, `producer` for a queue). */
  readonly role: SendingRole;
  /** Its default timeout in ms (checked: an integer from 1 to 2³¹−1). */
  readonly timeout: number;
  /** Whether the envelope carries the caller's deadline (`cqrs-deadline`): only request/reply. */
  readonly carriesDeadline: boolean;
  /** Headers read by the engine on the sending side and never forwarded. */
  readonly senderHeaders?: readonly string[];
  /** Where the routes are configured, for error messages (e.g. `CqrsRemoteModule.forRoot()`). */
  readonly where: string;
  /** The name `registrations()` shows for the forwarding handler of `target`. */
  handlerName(target: ForwardTarget): string;
  /** Sends one envelope; resolves to the query's result (or `undefined`), rejects with the remote error. */
  send(outgoing: Outgoing, target: ForwardTarget): Promise<unknown>;
}

/** Settings of `registerForwarders`. */
export interface ForwardingSettings {
  /** Signs envelopes and verifies replies (see `MessageAuthenticationOptions`). */
  authentication?: MessageAuthenticationOptions;
  /** Middleware of each registration (the Nest module passes validation, so an invalid message never leaves). */
  middlewareFor?: (type: Type) => Middleware[];
}

/** A bus on which forwarders are registered. */
export interface ForwardingBus {
  /** Registers `handler` for `type`; returns a function that unregisters it. */
  register(
    type: Type,
    handler: (message: never, context: MessageContext) => Promise<never>,
    options?: RegisterOptions,
  ): () => void;
}

/**
 * Registers on `bus` a forwarding handler for each of `types`. Returns a function that
 * unregisters them all; if one registration fails (e.g. `DuplicateHandlerError`), those already
 * made are undone and the error is thrown.
 */
export function registerForwarders(
  bus: ForwardingBus,
  kind: MessageKind,
  types: readonly Type[],
  engine: ForwardingEngine,
  settings: ForwardingSettings = {},
): () => void {
  const defaultTimeout = assertTimeout(engine.timeout, `${engine.where}: timeout`);
  const authenticator =
    settings.authentication && new MessageAuthenticator(settings.authentication, engine.where);
  const dropped = new Set([REMOTE_TIMEOUT_HEADER, ...(engine.senderHeaders ?? [])]);
  const unregister: Array<() => void> = [];
  try {
    for (const messageType of types) {
      const target: ForwardTarget = { kind, messageType, messageName: getMessageMetadata(messageType).name };
      const forward = (message: object, context: MessageContext): Promise<never> => {
        const timeout = timeoutOf(context.headers, defaultTimeout);
        let envelope = forwardEnvelope(message, context);
        for (const name of dropped) delete envelope.headers[name];
        if (engine.carriesDeadline) envelope.headers[DEADLINE_HEADER] = String(Date.now() + timeout);
        if (authenticator) envelope = authenticator.signEnvelope(envelope);
        return engine.send({ envelope, timeout, context, authenticator }, target) as Promise<never>;
      };
      // registrations() and DuplicateHandlerError name the route, not an anonymous arrow.
      Object.defineProperty(forward, 'name', { value: engine.handlerName(target) });
      unregister.push(
        bus.register(messageType, asForwarder(forward, messageType, engine.role), {
          middleware: settings.middlewareFor?.(messageType) ?? [],
        }),
      );
    }
  } catch (error) {
    for (const undo of unregister) undo();
    throw error;
  }
  return () => {
    for (const undo of unregister) undo();
  };
}
