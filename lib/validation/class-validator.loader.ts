import { createRequire } from 'node:module';

type ClassValidator = typeof import('class-validator');

const requireOptional = createRequire(import.meta.url);
let loaded: ClassValidator | undefined;

/** Whether the optional peer class-validator can be loaded. */
export function isClassValidatorInstalled(): boolean {
  try {
    requireOptional.resolve('class-validator');
    return true;
  } catch {
    return false;
  }
}

/**
 * class-validator, loaded on first use so that the package can be imported without it.
 * Throws an error saying what to install when it is missing.
 */
export function loadClassValidator(): ClassValidator {
  if (loaded) return loaded;
  try {
    loaded = requireOptional('class-validator') as ClassValidator;
    return loaded;
  } catch (error) {
    throw new Error(
      'Message validation needs the optional peer dependency class-validator: npm install class-validator class-transformer ' +
        '(or turn validation off with CqrsLiteModule.forRoot({ validation: false })).',
      { cause: error },
    );
  }
}
