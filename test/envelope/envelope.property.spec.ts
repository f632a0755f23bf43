import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested, validateSync } from 'class-validator';
import fc from 'fast-check';
import { CommandBus, CqrsError, validationMiddleware } from '../../lib/index.js';

class Line {
  @IsString()
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

class PlaceOrder {
  @IsString()
  orderId!: string;

  @ValidateNested({ each: true })
  @Type(() => Line)
  lines!: Line[];
}

function setup() {
  const bus = new CommandBus({ middleware: [validationMiddleware()] });
  const handled: PlaceOrder[] = [];
  bus.register(PlaceOrder, (command) => void handled.push(command));
  return { bus, handled };
}

function validEnvelope(bus: CommandBus) {
  const order = Object.assign(new PlaceOrder(), {
    orderId: 'o-1',
    lines: [Object.assign(new Line(), { sku: 'apple', quantity: 2 })],
  });
  return JSON.parse(JSON.stringify(bus.toEnvelope(order))) as Record<string, unknown>;
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;
const prototypeSnapshot = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const dangerousKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
const anyKey = fc.oneof(fc.string(), dangerousKey, fc.constantFrom('id', 'name', 'payload', 'lines', 'sku'));
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Settles a dispatch and checks the contract: a valid message reached the handler, or a CqrsError. */
async function checkDispatch(bus: CommandBus, handled: PlaceOrder[], envelope: unknown) {
  const before = handled.length;
  const outcome = await bus.dispatchEnvelope(envelope).then(
    () => 'dispatched' as const,
    (error: unknown) => error,
  );
  if (outcome === 'dispatched') {
    expect(handled).toHaveLength(before + 1);
    const message = handled[handled.length - 1]!;
    expect(message).toBeInstanceOf(PlaceOrder);
    expect(validateSync(message)).toEqual([]);
  } else {
    expect(outcome).toBeInstanceOf(CqrsError);
    expect(handled).toHaveLength(before);
  }
}

describe('envelopes under random input (SPEC §10, fast-check)', () => {
  const clean = prototypeSnapshot();
  afterEach(() => {
    expect(prototypeSnapshot()).toBe(clean);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('random JSON values either dispatch a valid message or reject with a CqrsError', async () => {
    const { bus, handled } = setup();
    await fc.assert(
      fc.asyncProperty(jsonish, async (value) =>
        checkDispatch(bus, handled, JSON.parse(JSON.stringify(value) ?? 'null')),
      ),
      { numRuns: 300 },
    );
  });

  it('mutated valid envelopes either dispatch a valid message or reject with a CqrsError', async () => {
    const { bus, handled } = setup();
    const fields = [
      'id',
      'name',
      'version',
      'kind',
      'correlationId',
      'causationId',
      'timestamp',
      'headers',
      'payload',
    ];
    const mutation = fc.oneof(
      fc
        .record({ at: fc.constantFrom(...fields), value: jsonish })
        .map(({ at, value }) => (e: Record<string, any>) => {
          e[at] = value;
        }),
      fc
        .record({ at: fc.constantFrom('orderId', 'lines'), value: jsonish })
        .map(({ at, value }) => (e: Record<string, any>) => {
          if (isObject(e.payload)) e.payload[at] = value;
        }),
      fc.record({ key: anyKey, value: jsonish }).map(({ key, value }) => (e: Record<string, any>) => {
        if (isObject(e.payload?.lines?.[0])) e.payload.lines[0][key] = value;
      }),
      fc.record({ key: anyKey, value: jsonish }).map(({ key, value }) => (e: Record<string, any>) => {
        if (isObject(e.payload)) e.payload[key] = value;
      }),
      fc.constantFrom(...fields).map((at) => (e: Record<string, any>) => {
        delete e[at];
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const envelope = validEnvelope(bus);
        for (const mutate of mutations) mutate(envelope);
        // Through real JSON text, as a transport would deliver it.
        await checkDispatch(bus, handled, JSON.parse(JSON.stringify(envelope)));
      }),
      { numRuns: 500 },
    );
  });

  it('an untouched valid envelope always dispatches', async () => {
    const { bus, handled } = setup();
    await checkDispatch(bus, handled, validEnvelope(bus));
    expect(handled).toHaveLength(1);
  });
});
