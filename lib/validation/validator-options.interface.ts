/**
 * class-validator's `ValidatorOptions`, declared here so that the package's types do not require
 * class-validator to be installed. Passed to class-validator as is.
 */
export interface ValidatorOptions {
  /** Skip validation of properties that are `undefined` or `null`. */
  skipMissingProperties?: boolean;
  /** Skip validation of properties that are `null`. */
  skipNullProperties?: boolean;
  /** Skip validation of properties that are `undefined`. */
  skipUndefinedProperties?: boolean;
  /** Strip properties that have no decorator. */
  whitelist?: boolean;
  /** Fail on properties that have no decorator (with `whitelist`). */
  forbidNonWhitelisted?: boolean;
  /** Validation groups to check. */
  groups?: string[];
  /** Default of the `always` flag of decorators. */
  always?: boolean;
  /** Ignore decorators that have groups when `groups` is empty. */
  strictGroups?: boolean;
  /** Do not use default messages. */
  dismissDefaultMessages?: boolean;
  /** What to put into each `ValidationError`. */
  validationError?: {
    /** Include the validated object. */
    target?: boolean;
    /** Include the failing value. */
    value?: boolean;
  };
  /** Fail on unknown objects. */
  forbidUnknownValues?: boolean;
  /** Stop at the first failing constraint of each property. */
  stopAtFirstError?: boolean;
}
