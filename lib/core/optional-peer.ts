import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/** Whether an optional peer dependency can be loaded. */
export function isInstalled(name: string): boolean {
  try {
    requireFromHere.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads an optional peer dependency on first use, so that the package imports without it.
 * When it is missing, throws an error that says what needs it and what to install.
 */
export function loadOptionalPeer<T>(name: string, neededFor: string): T {
  if (loaded.has(name)) return loaded.get(name) as T;
  try {
    const module = requireFromHere(name) as T;
    loaded.set(name, module);
    return module;
  } catch (error) {
    throw new Error(
      `${neededFor} needs the optional peer dependency ${name}: npm install class-validator class-transformer`,
      { cause: error },
    );
  }
}
