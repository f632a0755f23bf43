import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageContext } from './message-context.js';

/*
 * Automatic causation (SPEC §5 C2). Created only when a bus turns it on: while an
 * AsyncLocalStorage is in use, Node 20 tracks every promise in the process, which is a cost
 * nobody should pay by default.
 */
let storage: AsyncLocalStorage<MessageContext> | undefined;

/** The storage holding the context of the handler that is running, created on first use. */
export function handlerContextStorage(): AsyncLocalStorage<MessageContext> {
  return (storage ??= new AsyncLocalStorage());
}

/** The context of the handler running in the current async flow, if propagation is on. */
export function currentHandlerContext(): MessageContext | undefined {
  return storage?.getStore();
}
