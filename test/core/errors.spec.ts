import {
  CqrsError,
  DuplicateHandlerError,
  DuplicateMessageNameError,
  EnvelopeError,
  HandlerNotFoundError,
  InvalidHandlerError,
  InvalidMessageError,
  MessageValidationError,
  MiddlewareResolutionError,
} from '../../lib/core/index.js';

class CreateUser {}
class RenameUser {}

describe('errors (SPEC §6)', () => {
  const cases: Array<[CqrsError, string, Function]> = [
    [new HandlerNotFoundError('command', CreateUser), 'CQRS_HANDLER_NOT_FOUND', HandlerNotFoundError],
    [new DuplicateHandlerError(CreateUser, 'A', 'B'), 'CQRS_DUPLICATE_HANDLER', DuplicateHandlerError],
    [new InvalidMessageError('received null'), 'CQRS_INVALID_MESSAGE', InvalidMessageError],
    [new InvalidHandlerError('bad'), 'CQRS_INVALID_HANDLER', InvalidHandlerError],
    [
      new MiddlewareResolutionError('LOGGER', 'missing'),
      'CQRS_MIDDLEWARE_UNRESOLVED',
      MiddlewareResolutionError,
    ],
    [new MessageValidationError(CreateUser, []), 'CQRS_VALIDATION_FAILED', MessageValidationError],
    [new EnvelopeError('name', 'is missing'), 'CQRS_INVALID_ENVELOPE', EnvelopeError],
    [
      new DuplicateMessageNameError('x', CreateUser, RenameUser),
      'CQRS_DUPLICATE_MESSAGE_NAME',
      DuplicateMessageNameError,
    ],
  ];

  it.each(cases)(
    '%p has its stable code, extends CqrsError and Error, and is named after its class',
    (error, code, type) => {
      expect(error).toBeInstanceOf(type);
      expect(error).toBeInstanceOf(CqrsError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(type.name);
      expect(error.stack).toContain(type.name);
    },
  );

  it('HandlerNotFoundError names the class and says how to register a handler', () => {
    const error = new HandlerNotFoundError('query', CreateUser);
    expect(error.kind).toBe('query');
    expect(error.messageType).toBe(CreateUser);
    expect(error.message).toMatch(/CreateUser/);
    expect(error.message).toMatch(/@QueryHandler\(CreateUser\)/);
  });

  it('DuplicateHandlerError names the type and both handlers', () => {
    const error = new DuplicateHandlerError(CreateUser, 'FirstHandler', 'SecondHandler');
    expect(error.message).toMatch(/CreateUser.*FirstHandler.*SecondHandler/s);
  });

  it('MiddlewareResolutionError names the token, whatever its kind', () => {
    expect(new MiddlewareResolutionError('AUDIT', 'x').message).toMatch(/'AUDIT'/);
    expect(new MiddlewareResolutionError(Symbol('AUDIT'), 'x').message).toMatch(/Symbol\(AUDIT\)/);
    expect(new MiddlewareResolutionError(class AuditMiddleware {}, 'x').message).toMatch(/AuditMiddleware/);
  });

  it('MessageValidationError lists each failing property (nested ones by path) and constraint', () => {
    const error = new MessageValidationError(CreateUser, [
      { property: 'email', constraints: { isEmail: 'email must be an email' } },
      {
        property: 'address',
        children: [{ property: 'zip', constraints: { isPostalCode: 'zip must be a postal code' } }],
      },
    ]);
    expect(error.message).toBe(
      'CreateUser is invalid: email (email must be an email); address.zip (zip must be a postal code)',
    );
    expect(error.violations).toEqual([
      { property: 'email', constraints: ['email must be an email'] },
      { property: 'address.zip', constraints: ['zip must be a postal code'] },
    ]);
  });
});
