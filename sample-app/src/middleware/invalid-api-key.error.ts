import { DomainError } from '../common/domain-error.js';

/** A command arrived without the `x-api-key` header, with a wrong key, or from another process. */
export class InvalidApiKeyError extends DomainError {
  readonly code = 'INVALID_API_KEY';

  constructor(readonly reason: 'missing' | 'wrong' | 'remote') {
    super(
      reason === 'missing'
        ? 'This operation needs an API key: send it in the x-api-key header.'
        : reason === 'wrong'
          ? 'The API key in the x-api-key header is not valid.'
          : 'Commands from other processes are not accepted here: their headers cannot be trusted.',
    );
  }
}
