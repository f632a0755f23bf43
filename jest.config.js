/** Jest in ESM mode (Nest 12 is ESM-only); TypeScript through SWC with legacy decorators. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // Run test files in a worker that is replaced once it holds more than this after a file: in
  // one long-lived process (Jest's default on 2 cores) the heap grows over ~100 files of Nest and
  // ESM modules, and its GC pauses reached seconds, enough to fail the event-loop bounds of
  // test/reliability/load.spec.ts. (Setting it also makes Jest use a worker with one core free.)
  workerIdleMemoryLimit: '768MB',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
          keepClassNames: true,
          target: 'es2022',
        },
        module: { type: 'es6' },
      },
    ],
  },
};
