import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';

/** Compiles a testing module from `metadata` and initialises a Nest application on it (silent logger). */
export async function createApp(metadata: ModuleMetadata): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger: process.env.NEST_LOG ? undefined : false });
  await app.init();
  return app;
}

/**
 * Builds an application expected to fail while compiling or initialising, and returns what it
 * failed with. Fails the test if it does not fail.
 */
export async function initError(metadata: ModuleMetadata): Promise<unknown> {
  let app: INestApplication | undefined;
  try {
    const moduleRef = await Test.createTestingModule(metadata).compile();
    app = moduleRef.createNestApplication({ logger: process.env.NEST_LOG ? undefined : false });
    await app.init();
  } catch (error) {
    await app?.close().catch(() => undefined);
    return error;
  }
  await app.close();
  throw new Error('expected the application to fail to initialise, but it started');
}
