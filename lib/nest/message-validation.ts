import type { ModuleRef } from '@nestjs/core';
import type { Middleware } from '../core/middleware.js';
import { isClassValidatorInstalled } from '../validation/class-validator.js';
import { ValidationMiddleware } from '../validation/validation.middleware.js';
import type { CqrsLiteModuleOptions } from './cqrs-lite-options.interface.js';

/**
 * Injection token of the application's message validation: the `ValidationMiddleware` built from
 * the module's `validation` option, or `null` when validation is off.
 */
export const MESSAGE_VALIDATION = Symbol('nestjs-cqrs-lite:message-validation');

/** The `validation` option: off, on with options, or (by default) on when class-validator is installed. */
export function createMessageValidation(
  options: CqrsLiteModuleOptions | undefined,
): ValidationMiddleware | null {
  const validation = options?.validation;
  if (validation === false) return null;
  if (validation === undefined && !isClassValidatorInstalled()) return null;
  return new ValidationMiddleware(validation === undefined || validation === true ? {} : validation);
}

/**
 * The validation step of a message type's chain: the validation middleware when the type has
 * constraints, else nothing. It goes last, right before the handler (or the forwarder that sends
 * the message to another process, so an invalid message never leaves).
 */
export function validationStep(validation: ValidationMiddleware | null, type: Function): Middleware[] {
  return validation?.hasConstraints(type) ? [validation] : [];
}

/** The application's message validation, looked up from anywhere in it (`null` if none). */
export function findMessageValidation(moduleRef: ModuleRef): ValidationMiddleware | null {
  try {
    return moduleRef.get<ValidationMiddleware | null>(MESSAGE_VALIDATION, { strict: false });
  } catch {
    return null;
  }
}
