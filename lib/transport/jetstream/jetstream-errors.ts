import { CqrsError } from '../../core/errors.js';

/** `CqrsJetStreamModule` options that cannot work: says which option and what to give instead. */
export class JetStreamOptionsError extends CqrsError {
  readonly code = 'CQRS_JETSTREAM_OPTIONS';

  constructor(
    /** The option at fault, e.g. `consume.durable`. */
    readonly option: string,
    detail: string,
  ) {
    super(`CqrsJetStreamModule: option '${option}' ${detail}.`);
  }
}
