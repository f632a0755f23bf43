import type { ServerResponse } from 'node:http';
import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError } from '../common/domain-error.js';
import { InvalidApiKeyError } from '../middleware/invalid-api-key.error.js';
import {
  OrderAlreadyCancelledError,
  OrderAlreadyExistsError,
  OrderNotFoundError,
} from '../orders/orders.errors.js';
import { UserAlreadyExistsError, UserNotFoundError } from '../users/users.errors.js';
import { sendJson } from './send-json.js';

/** Which HTTP status each domain error becomes. The domain itself knows nothing of HTTP. */
const STATUS_OF = new Map<Function, HttpStatus>([
  [InvalidApiKeyError, HttpStatus.UNAUTHORIZED],
  [UserNotFoundError, HttpStatus.NOT_FOUND],
  [OrderNotFoundError, HttpStatus.NOT_FOUND],
  [UserAlreadyExistsError, HttpStatus.CONFLICT],
  [OrderAlreadyExistsError, HttpStatus.CONFLICT],
  [OrderAlreadyCancelledError, HttpStatus.CONFLICT],
]);

/** Answers a domain error with its status and `{ statusCode, code, message }`. */
@Catch(DomainError)
export class DomainExceptionFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status = STATUS_OF.get(error.constructor) ?? HttpStatus.UNPROCESSABLE_ENTITY;
    sendJson(host.switchToHttp().getResponse<ServerResponse>(), status, {
      statusCode: status,
      code: error.code,
      message: error.message,
    });
  }
}
