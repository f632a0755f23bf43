import { Type } from 'class-transformer';
import {
  IsEmail,
  IsInt,
  IsNotEmpty,
  Min,
  ValidateNested,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import {
  CommandBus,
  MessageValidationError,
  Query,
  QueryBus,
  ValidationMiddleware,
  validationMiddleware,
} from '../../lib/index.js';

class Address {
  @IsNotEmpty()
  city!: string;

  @IsInt()
  @Min(1000)
  zip!: number;
}

class CreateUser {
  @IsEmail()
  email!: string;

  @IsNotEmpty()
  name!: string;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;

  constructor(init: Partial<CreateUser>) {
    Object.assign(this, init);
  }
}

function address(city: string, zip: number): Address {
  return Object.assign(new Address(), { city, zip });
}

class Unconstrained {
  constructor(readonly anything: unknown) {}
}

@ValidatorConstraint({ async: true })
class NotTaken implements ValidatorConstraintInterface {
  async validate(value: unknown) {
    await new Promise((r) => setTimeout(r, 1));
    return value !== 'taken';
  }
  defaultMessage() {
    return 'username is taken';
  }
}

class Register {
  @Validate(NotTaken)
  username: string;
  constructor(username: string) {
    this.username = username;
  }
}

function commandBus() {
  const handled: object[] = [];
  const bus = new CommandBus();
  const middleware = [validationMiddleware()];
  bus.register(CreateUser, (c) => void handled.push(c), { middleware });
  bus.register(Unconstrained, (c) => void handled.push(c), { middleware });
  bus.register(Register, (c) => void handled.push(c), { middleware });
  return { bus, handled };
}

describe('validation middleware (SPEC §9)', () => {
  it('V1: a valid message reaches its handler', async () => {
    const { bus, handled } = commandBus();
    const message = new CreateUser({ email: 'ann@example.com', name: 'Ann', address: address('Oslo', 1234) });
    await bus.dispatch(message);
    expect(handled).toEqual([message]);
  });

  it('V1: a class with no constraints passes untouched, and is known to need nothing', async () => {
    const { bus, handled } = commandBus();
    await bus.dispatch(new Unconstrained({ whatever: true }));
    expect(handled).toHaveLength(1);
    const middleware = new ValidationMiddleware();
    expect(middleware.hasConstraints(Unconstrained)).toBe(false);
    expect(middleware.hasConstraints(CreateUser)).toBe(true);
  });

  it('V1: validation of sync constraints is synchronous, so a sync chain runs before dispatch() returns', () => {
    const { bus, handled } = commandBus();
    void bus.dispatch(
      new CreateUser({ email: 'ann@example.com', name: 'Ann', address: address('Oslo', 1234) }),
    );
    expect(handled).toHaveLength(1);
  });

  it('V1: on a bus, it checks what the handler will receive (after middleware that replaces the message)', async () => {
    const bus = new CommandBus();
    const handled: object[] = [];
    bus.use((message, next) => next(new CreateUser({ ...(message as CreateUser), email: 'not an email' })));
    bus.register(CreateUser, (c) => void handled.push(c), { middleware: [validationMiddleware()] });
    const valid = new CreateUser({ email: 'ann@example.com', name: 'Ann', address: address('Oslo', 1234) });
    await expect(bus.dispatch(valid)).rejects.toBeInstanceOf(MessageValidationError);
    expect(handled).toEqual([]);
  });

  it('V2: an invalid message rejects with MessageValidationError listing each property and constraint; the handler does not run', async () => {
    const { bus, handled } = commandBus();
    const error = await bus
      .dispatch(new CreateUser({ email: 'nope', name: '', address: address('Oslo', 1234) }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageValidationError);
    const validationError = error as MessageValidationError;
    expect(validationError.code).toBe('CQRS_VALIDATION_FAILED');
    expect(validationError.messageType).toBe(CreateUser);
    expect(validationError.errors.map((e) => e.property).sort()).toEqual(['email', 'name']);
    expect(validationError.message).toMatch(/CreateUser is invalid/);
    expect(validationError.message).toMatch(/email \(email must be an email\)/);
    expect(validationError.message).toMatch(/name \(name should not be empty\)/);
    expect(handled).toEqual([]);
  });

  it('V2: async constraints are checked too', async () => {
    const { bus, handled } = commandBus();
    await expect(bus.dispatch(new Register('taken'))).rejects.toThrow(/username is taken/);
    await bus.dispatch(new Register('free'));
    expect(handled).toEqual([new Register('free')]);
  });

  it('V3: nested objects with @ValidateNested are validated, reported by path', async () => {
    const { bus } = commandBus();
    const error = (await bus
      .dispatch(new CreateUser({ email: 'a@b.co', name: 'A', address: address('', 12) }))
      .catch((e: unknown) => e)) as MessageValidationError;
    expect(error).toBeInstanceOf(MessageValidationError);
    expect(error.violations.map((v) => v.property).sort()).toEqual(['address.city', 'address.zip']);
  });

  it('V3: ValidatorOptions are honoured: whitelist strips, forbidNonWhitelisted rejects, groups select', async () => {
    class Rename {
      @IsNotEmpty()
      name: string;
      extra?: string;
      constructor(name: string, extra?: string) {
        this.name = name;
        this.extra = extra;
      }
    }
    const seen: Rename[] = [];
    const stripping = new CommandBus({ middleware: [validationMiddleware({ whitelist: true })] });
    stripping.register(Rename, (c) => void seen.push(c));
    await stripping.dispatch(new Rename('x', 'dropped'));
    expect(seen[0]?.extra).toBeUndefined();

    const strict = new CommandBus({
      middleware: [validationMiddleware({ whitelist: true, forbidNonWhitelisted: true })],
    });
    strict.register(Rename, () => undefined);
    await expect(strict.dispatch(new Rename('x', 'unexpected'))).rejects.toThrow(/extra/);

    class Grouped extends Query<string> {
      @IsNotEmpty({ groups: ['strict'] })
      note = '';
    }
    const lenient = new QueryBus({ middleware: [validationMiddleware({ groups: ['lenient'] })] });
    lenient.register(Grouped, () => 'ok');
    await expect(lenient.ask(new Grouped())).resolves.toBe('ok');
    const strictGroup = new QueryBus({ middleware: [validationMiddleware({ groups: ['strict'] })] });
    strictGroup.register(Grouped, () => 'ok');
    await expect(strictGroup.ask(new Grouped())).rejects.toBeInstanceOf(MessageValidationError);
  });

  it('reports its class name in registrations()', () => {
    const { bus } = commandBus();
    expect(bus.registrations()[0]?.middleware).toEqual(['ValidationMiddleware']);
  });
});
