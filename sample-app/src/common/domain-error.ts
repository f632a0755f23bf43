/**
 * Base class of the sample's domain errors: failures the domain expects and names (a user that
 * already exists, an unknown order, ...). They know nothing about HTTP;
 * `DomainExceptionFilter` maps each class to a status code.
 */
export abstract class DomainError extends Error {
  /** Stable, machine-readable identifier, returned to clients as `code`. */
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
