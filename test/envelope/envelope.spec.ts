import { Type } from 'class-transformer';
import { IsEmail, IsInt, Min, ValidateNested } from 'class-validator';
import {
  CommandBus,
  DuplicateMessageNameError,
  EnvelopeError,
  Message,
  MessageValidationError,
  Query,
  QueryBus,
  validationMiddleware,
  type Envelope,
  type MessageContext,
} from '../../lib/index.js';

class Address {
  @Min(1000)
  @IsInt()
  zip!: number;
  city!: string;
}

@Message({ name: 'users.create', version: 2 })
class CreateUser {
  @IsEmail()
  email!: string;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;

  @Type(() => Date)
  birthday!: Date;

  tags: string[] = [];
}

class GetTotal extends Query<number> {
  constructor(readonly amounts: number[] = []) {
    super();
  }
}

function createUser(): CreateUser {
  return Object.assign(new CreateUser(), {
    email: 'ann@example.com',
    address: Object.assign(new Address(), { zip: 1234, city: 'Oslo' }),
    birthday: new Date('1990-05-17T00:00:00.000Z'),
    tags: ['a', 'b'],
  });
}

function setup() {
  const received: Array<{ command: CreateUser; context: MessageContext }> = [];
  const bus = new CommandBus({ middleware: [validationMiddleware()] });
  bus.register(CreateUser, (command, context) => void received.push({ command, context }));
  return { bus, received };
}

function without(envelope: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...envelope };
  delete copy[field];
  return copy;
}

const overTheWire = (envelope: Envelope): unknown => JSON.parse(JSON.stringify(envelope));

describe('message names (SPEC §10)', () => {
  it('@Message sets the name and version; the default is the class name, version 1', async () => {
    const { bus, received } = setup();
    expect(bus.registrations()[0]?.messageName).toBe('users.create');
    await bus.dispatch(createUser());
    expect(received[0]?.context.messageName).toBe('users.create');
    const queries = new QueryBus();
    expect(queries.toEnvelope(new GetTotal())).toMatchObject({ name: 'GetTotal', version: 1, kind: 'query' });
  });

  it('two different classes with one name on one bus → DuplicateMessageNameError at registration', () => {
    @Message({ name: 'shared' })
    class First {}
    @Message({ name: 'shared' })
    class Second {}
    const bus = new CommandBus();
    bus.register(First, () => undefined);
    expect(() => bus.register(Second, () => undefined)).toThrow(DuplicateMessageNameError);
    expect(() => bus.register(Second, () => undefined)).toThrow(/'shared'.*First.*Second/);
    expect(() => new CommandBus().register(Second, () => undefined)).not.toThrow();
  });

  it('rejects a bad name or version in @Message', () => {
    expect(() => Message({ name: '' })).toThrow(/non-empty/);
    expect(() => Message({ version: 0 })).toThrow(/positive integer/);
    expect(() => Message({ version: 1.5 })).toThrow(/positive integer/);
  });
});

describe('envelopes (SPEC §10)', () => {
  it('toEnvelope builds a JSON-safe object with the message as plain data', () => {
    const bus = new CommandBus();
    const cause = { id: 'cause-1', correlationId: 'corr-1' } as MessageContext;
    const envelope = bus.toEnvelope(createUser(), { causedBy: cause, headers: { 'x-user': 'u1' } });
    expect(envelope).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'users.create',
      version: 2,
      kind: 'command',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      headers: { 'x-user': 'u1' },
      payload: {
        email: 'ann@example.com',
        address: { zip: 1234, city: 'Oslo' },
        birthday: '1990-05-17T00:00:00.000Z',
        tags: ['a', 'b'],
      },
    });
    expect(overTheWire(envelope)).toEqual(envelope);
    const root = bus.toEnvelope(createUser());
    expect(root.correlationId).toBe(root.id);
    expect('causationId' in root).toBe(false);
  });

  it('round trip: the handler gets an instance of the same class with equal data, nested classes and Dates restored', async () => {
    const { bus, received } = setup();
    const original = createUser();
    const envelope = bus.toEnvelope(original, { correlationId: 'req-9', headers: { tenant: 't1' } });
    await bus.dispatchEnvelope(overTheWire(envelope));
    const { command, context } = received[0]!;
    expect(command).toBeInstanceOf(CreateUser);
    expect(command.address).toBeInstanceOf(Address);
    expect(command.birthday).toBeInstanceOf(Date);
    expect(command).toEqual(original);
    expect(context.id).toBe(envelope.id);
    expect(context.correlationId).toBe('req-9');
    expect(context.timestamp.toISOString()).toBe(envelope.timestamp);
    expect(context.headers).toEqual({ tenant: 't1' });
    expect(context.messageType).toBe(CreateUser);
  });

  it('keeps the causation of the envelope, and local headers win over remote ones', async () => {
    const { bus, received } = setup();
    const envelope = {
      ...bus.toEnvelope(createUser()),
      causationId: 'remote-cause',
      headers: { role: 'admin' },
    };
    await bus.dispatchEnvelope(overTheWire(envelope), { headers: { role: 'guest' } });
    expect(received[0]?.context.causationId).toBe('remote-cause');
    expect(received[0]?.context.headers).toEqual({ role: 'guest' });
  });

  it('askEnvelope resolves to the handler result', async () => {
    const queries = new QueryBus();
    queries.register(GetTotal, (q) => q.amounts.reduce((a, b) => a + b, 0));
    const envelope = queries.toEnvelope(new GetTotal([1, 2, 3]));
    await expect(queries.askEnvelope<number>(overTheWire(envelope))).resolves.toBe(6);
  });

  it('validates the rebuilt message; an invalid payload never reaches the handler', async () => {
    const { bus, received } = setup();
    const envelope = bus.toEnvelope(createUser());
    envelope.payload.email = 'not an email';
    await expect(bus.dispatchEnvelope(overTheWire(envelope))).rejects.toBeInstanceOf(MessageValidationError);
    (envelope.payload as { email: string }).email = 'ok@example.com';
    (envelope.payload.address as { zip: number }).zip = 5;
    await expect(bus.dispatchEnvelope(overTheWire(envelope))).rejects.toThrow(/address\.zip/);
    expect(received).toEqual([]);
  });

  const valid = () => overTheWire(setup().bus.toEnvelope(createUser())) as Record<string, unknown>;
  const malformed: Array<[string, (e: Record<string, unknown>) => unknown, string]> = [
    ['not an object', () => 'envelope', 'envelope'],
    ['null', () => null, 'envelope'],
    ['an array', () => [], 'envelope'],
    ['an unknown field', (e) => ({ ...e, extra: 1 }), 'extra'],
    ['a missing id', (e) => without(e, 'id'), 'id'],
    ['a numeric id', (e) => ({ ...e, id: 5 }), 'id'],
    ['an unregistered name', (e) => ({ ...e, name: 'Object' }), 'name'],
    ['a name that is a prototype key', (e) => ({ ...e, name: '__proto__' }), 'name'],
    ['a wrong version', (e) => ({ ...e, version: 1 }), 'version'],
    ['a string version', (e) => ({ ...e, version: '2' }), 'version'],
    ['the other kind', (e) => ({ ...e, kind: 'query' }), 'kind'],
    ['a missing correlationId', (e) => without(e, 'correlationId'), 'correlationId'],
    ['a numeric causationId', (e) => ({ ...e, causationId: 1 }), 'causationId'],
    ['a timestamp that is not ISO 8601', (e) => ({ ...e, timestamp: 'yesterday' }), 'timestamp'],
    ['an impossible date', (e) => ({ ...e, timestamp: '2024-13-45T99:00:00Z' }), 'timestamp'],
    ['non-string headers', (e) => ({ ...e, headers: { a: 1 } }), 'headers.a'],
    ['headers as an array', (e) => ({ ...e, headers: [] }), 'headers'],
    ['a payload that is an array', (e) => ({ ...e, payload: [] }), 'payload'],
    ['a missing payload', (e) => without(e, 'payload'), 'payload'],
  ];

  it.each(malformed)('rejects %s with EnvelopeError naming the field', async (_case, mutate, field) => {
    const { bus, received } = setup();
    const error = await bus.dispatchEnvelope(mutate(valid())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvelopeError);
    expect((error as EnvelopeError).field).toBe(field);
    expect((error as Error).message).toContain(`'${field}'`);
    expect(received).toEqual([]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses the key %s at any depth of the payload, and Object.prototype stays clean',
    async (key) => {
      const { bus, received } = setup();
      for (const json of [
        `{"${key}": {"polluted": true}}`,
        `{"address": {"${key}": {"polluted": true}}}`,
        `{"tags": [{"${key}": {"polluted": true}}]}`,
      ]) {
        const envelope = { ...valid(), payload: JSON.parse(json) };
        const error = await bus.dispatchEnvelope(envelope).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EnvelopeError);
        expect((error as Error).message).toMatch(/forbidden key/);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(received).toEqual([]);
    },
  );

  it('rejects payloads nested too deeply, and values that are not JSON data', async () => {
    const { bus } = setup();
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { a: deep };
    await expect(bus.dispatchEnvelope({ ...valid(), payload: deep })).rejects.toThrow(/nested deeper/);
    await expect(bus.dispatchEnvelope({ ...valid(), payload: { when: new Date() } })).rejects.toThrow(
      /payload\.when/,
    );
    await expect(bus.dispatchEnvelope({ ...valid(), payload: { n: Infinity } })).rejects.toThrow(/finite/);
  });

  it('turns a hostile object (throwing getter) into an EnvelopeError', async () => {
    const { bus } = setup();
    const hostile = new Proxy(valid(), {
      get() {
        throw new Error('trap');
      },
    });
    await expect(bus.dispatchEnvelope(hostile)).rejects.toBeInstanceOf(EnvelopeError);
  });

  it('toEnvelope refuses values that are not class instances', () => {
    const bus = new CommandBus();
    expect(() => bus.toEnvelope({ plain: true })).toThrow(/class instance/);
    expect(() => bus.toEnvelope(null as never)).toThrow(/class instance/);
  });
});
