import { createRequire } from 'node:module';

const loaded = new Map<string, unknown>();
let requireFromHere: NodeJS.Require | undefined;

/**
 * The file this module runs from, as V8 reports it for the current call: a `file:` URL when Node
 * loaded the package as ESM, a path when a CommonJS consumer's Jest transform compiled it.
 * The module's own URL from ESM syntax would say the same, but that syntax is an error once
 * compiled to CommonJS; and the peers must resolve from this package (as Node resolves its static
 * imports), not from the working directory.
 */
function thisFile(): string | undefined {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder);
    const callSites = holder.stack as NodeJS.CallSite[] | undefined;
    return callSites?.[0]?.getFileName() ?? undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * A `require` that resolves from this package, made on first use. It comes from `node:module`'s
 * `createRequire` (which test runners such as Jest replace with their own, so a peer loaded here is
 * the very instance the application's code imported).
 */
function peerRequire(): NodeJS.Require {
  if (requireFromHere) return requireFromHere;
  const file = thisFile();
  const base = file && (file.startsWith('file:') || file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file));
  return (requireFromHere = createRequire(base ? file : `${process.cwd()}/`));
}

/** Whether an optional peer dependency can be loaded. */
export function isInstalled(name: string): boolean {
  try {
    peerRequire().resolve(name);
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
    const module = peerRequire()(name) as T;
    loaded.set(name, module);
    return module;
  } catch (error) {
    throw new Error(`${neededFor} needs the optional peer dependency ${name}: npm install ${name}`, {
      cause: error,
    });
  }
}
