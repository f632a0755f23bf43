import { Catch, HttpStatus, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HandlerNotFoundError, MessageValidationError } from '../core/errors.js';

/** The body of a 400 response for an invalid message. */
export interface ValidationErrorResponse {
  /** Always 400. */
  statusCode: 400;
  /** Always `'Bad Request'`. */
  error: 'Bad Request';
  /** One line per failed constraint, as class-validator words it. */
  message: string[];
  /** Each failing property (dotted path for nested ones) with its failed constraints. */
  violations: Array<{
    /** Dotted path of the property, e.g. `items.0.sku`. */
    property: string;
    /** The messages of the constraints it failed. */
    constraints: string[];
  }>;
}

/**
 * Maps the buses' errors to HTTP responses: `MessageValidationError` → 400 with the failing
 * properties, `HandlerNotFoundError` → 501. Every other error is left to Nest's default handling.
 * Use `app.useGlobalFilters(new CqrsExceptionFilter())` or `{ provide: APP_FILTER, useClass: CqrsExceptionFilter }`.
 */
@Catch(MessageValidationError, HandlerNotFoundError)
export class CqrsExceptionFilter implements ExceptionFilter<MessageValidationError | HandlerNotFoundError> {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(exception: MessageValidationError | HandlerNotFoundError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response: unknown = host.switchToHttp().getResponse();
    if (exception instanceof MessageValidationError) {
      const violations = exception.violations;
      const body: ValidationErrorResponse = {
        statusCode: HttpStatus.BAD_REQUEST,
        error: 'Bad Request',
        message: violations.flatMap((violation) => violation.constraints),
        violations,
      };
      this.reply(response, body, HttpStatus.BAD_REQUEST);
    } else {
      // The message class name is internal detail; the client only learns the operation is missing.
      this.reply(
        response,
        { statusCode: HttpStatus.NOT_IMPLEMENTED, error: 'Not Implemented', message: 'Not Implemented' },
        HttpStatus.NOT_IMPLEMENTED,
      );
    }
  }

  private reply(response: any, body: object, status: number): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) return void adapter.reply(response, body, status);
    // Created with `new` (useGlobalFilters): answer through the platform's own response API.
    if (typeof response.status === 'function' && typeof response.json === 'function') {
      response.status(status).json(body); // Express
    } else if (typeof response.code === 'function' && typeof response.send === 'function') {
      response.code(status).send(body); // Fastify
    } else {
      throw new Error(
        'CqrsExceptionFilter: unsupported HTTP platform; register it as an APP_FILTER provider instead.',
      );
    }
  }
}
