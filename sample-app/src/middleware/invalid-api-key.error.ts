import { DomainError } from '../common/domain-error.js';

/** A command arrived without the `x-api-key` header, or with a wrong key. */
export class InvalidApiKeyError extends DomainError {
  readonly code = 'INVALID_API_KEY';

  constructor(readonly reason: 'missing' | 'wrong') {
    super(
      reason === 'missing'
        ? 'This operation needs an API key: send it in the x-api-key header.'
        : 'The API key in the x-api-key header is not valid.',
    );
  }
}
