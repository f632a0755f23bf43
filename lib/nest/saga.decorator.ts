import type { Observable } from 'rxjs';

/** Reflect-metadata key under which `@Saga()` lists a class's saga members. */
export const SAGA_METADATA = 'nestjs-cqrs-lite:sagas';

/**
 * A saga, as `@nestjs/cqrs` types it: turns the stream of every published event into a stream of
 * commands to dispatch (`null` / `undefined` are skipped).
 */
export type ISaga<E = any, C = object> = (events$: Observable<E>) => Observable<C | null | undefined>;

/**
 * Marks a method or a function-valued property of a singleton provider as a saga (SPEC §12 S1):
 * `CqrsLiteModule` calls it once at init with the stream of every event published on the
 * `EventBus` and dispatches each object the returned Observable emits on the `CommandBus`.
 * A failing saga is reported and subscribed again; it never stops listening (S3).
 */
export function Saga(): PropertyDecorator {
  return (target, propertyKey) => {
    const inherited: (string | symbol)[] = Reflect.getMetadata(SAGA_METADATA, target.constructor) ?? [];
    if (inherited.includes(propertyKey)) return;
    Reflect.defineMetadata(SAGA_METADATA, [...inherited, propertyKey], target.constructor);
  };
}

/** The saga members `@Saga()` recorded on a class and its base classes, in declaration order. */
export function sagaMembersOf(type: Function): readonly (string | symbol)[] {
  return Reflect.getMetadata(SAGA_METADATA, type) ?? [];
}
