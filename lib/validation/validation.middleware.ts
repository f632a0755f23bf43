import { MessageValidationError } from '../core/errors.js';
import type { MessageContext } from '../core/message-context.js';
import type { CqrsMiddleware, Next } from '../core/middleware.js';
import { classValidator } from './class-validator.js';
import type { ValidatorOptions } from './validator-options.interface.js';

/** How a message class is validated, decided once per class. */
const enum Plan {
  /** No class-validator constraints: nothing to do. */
  Skip,
  /** Only synchronous constraints: `validateSync`, so a sync chain stays synchronous (B3). */
  Sync,
  /** Some custom constraint is asynchronous: `validate`. */
  Async,
}

/**
 * Validates each message with class-validator before passing it on; an invalid message is
 * rejected with `MessageValidationError` and the rest of the chain does not run. Place it last,
 * right before the handler (the Nest module does this itself when `validation` is on).
 */
export class ValidationMiddleware implements CqrsMiddleware {
  private readonly plans = new WeakMap<Function, Plan>();

  constructor(private readonly options: ValidatorOptions = {}) {
    classValidator();
  }

  /** Whether instances of `type` have anything to validate (cached per class). */
  hasConstraints(type: Function): boolean {
    return this.planFor(type) !== Plan.Skip;
  }

  /** Validates the message (when its class has constraints), then calls `next()`; rejects an invalid one. */
  handle(message: object, next: Next, _context: MessageContext): unknown {
    const type = Object.getPrototypeOf(message).constructor as Function;
    switch (this.planFor(type)) {
      case Plan.Skip:
        return next();
      case Plan.Sync: {
        const errors = classValidator().validateSync(message, this.options);
        if (errors.length > 0) throw new MessageValidationError(type, errors);
        return next();
      }
      case Plan.Async:
        return classValidator()
          .validate(message, this.options)
          .then((errors) => {
            if (errors.length > 0) throw new MessageValidationError(type, errors);
            return next();
          });
    }
  }

  private planFor(type: Function): Plan {
    let plan = this.plans.get(type);
    if (plan === undefined) {
      plan = decidePlan(type, this.options);
      this.plans.set(type, plan);
    }
    return plan;
  }
}

/** Looks at the constraints that apply under these options (groups included), as class-validator will. */
function decidePlan(type: Function, options: ValidatorOptions): Plan {
  const storage = classValidator().getMetadataStorage();
  // No class anywhere has a constraint yet: nothing to look up (a quick answer at bootstrap).
  if (!storage.hasValidationMetaData) return Plan.Skip;
  const metadata = storage.getTargetValidationMetadatas(
    type,
    '',
    options.always ?? false,
    options.strictGroups ?? false,
    options.groups,
  );
  if (metadata.length === 0) return Plan.Skip;
  const isAsync = metadata.some(
    (entry) =>
      entry.constraintCls !== undefined &&
      storage.getTargetValidatorConstraints(entry.constraintCls).some((constraint) => constraint.async),
  );
  return isAsync ? Plan.Async : Plan.Sync;
}

/**
 * A middleware that validates messages with class-validator (SPEC §9), for standalone buses:
 * `bus.register(CreateUser, handler, { middleware: [validationMiddleware()] })` or
 * `bus.use(validationMiddleware({ whitelist: true }))`.
 */
export function validationMiddleware(options?: ValidatorOptions): ValidationMiddleware {
  return new ValidationMiddleware(options);
}
