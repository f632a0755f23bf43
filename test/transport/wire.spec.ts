import { NEVER, Observable, of, throwError } from 'rxjs';
import type { ClientProxy } from '@nestjs/microservices';
import { validate } from 'class-validator';
import { IsEmail } from 'class-validator';
import { EnvelopeError, HandlerNotFoundError, MessageValidationError } from '../../lib/index.js';
import {
  InvalidSubjectError,
  InvalidTimeoutError,
  RemoteError,
  RemoteHandlerNotFoundError,
  RemoteTimeoutError,
  TransportUnavailableError,
  failureReply,
  openReply,
  remoteSubject,
  successReply,
} from '../../lib/transport/index.js';
import { sendRequest, type RemoteTarget } from '../../lib/transport/remote-request.js';
import { timeoutOf } from '../../lib/transport/remote-timeout.js';

class Register {
  @IsEmail()
  email = 'not an email';
  secret = 'hunter2';
}

/** A reply as it arrives: through JSON, like every transport carries it. */
const overWire = (reply: unknown) => JSON.parse(JSON.stringify(reply));

describe('wire replies (no server)', () => {
  it('a success carries the result; a command’s carries none', () => {
    expect(openReply(overWire(successReply({ n: 1 })), 'query', Register)).toEqual({ n: 1 });
    expect(overWire(successReply(undefined))).toEqual({ ok: true });
    expect(openReply(overWire(successReply(undefined)), 'command', Register)).toBeUndefined();
  });

  it('a result that cannot travel as JSON becomes a clear RemoteError instead of no reply', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const result of [10n, cyclic]) {
      const wire = overWire(successReply(result));
      expect(wire).toMatchObject({ ok: false, error: { code: 'CQRS_UNSERIALIZABLE_RESULT' } });
      expect(() => openReply(wire, 'query', Register)).toThrow(RemoteError);
      expect(() => openReply(wire, 'query', Register)).toThrow(/cannot be sent as JSON/);
    }
  });

  it('an application error comes back as RemoteError with its name, code and message, not its stack', () => {
    const original = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
    const wire = overWire(failureReply(original));
    expect(wire).toEqual({ ok: false, error: { name: 'TypeError', code: 'E_BOOM', message: 'boom' } });
    const revived = (() => {
      try {
        openReply(wire, 'command', Register);
      } catch (error) {
        return error;
      }
    })();
    expect(revived).toBeInstanceOf(RemoteError);
    expect(revived).toMatchObject({ name: 'TypeError', code: 'E_BOOM', message: 'boom' });
    expect(() => openReply(overWire(failureReply('a string')), 'command', Register)).toThrow(
      expect.objectContaining({ name: 'Error', code: 'CQRS_REMOTE_ERROR', message: 'a string' }),
    );
  });

  it('a validation error comes back as MessageValidationError with its properties, without the rejected values', async () => {
    const errors = await validate(new Register());
    const wire = overWire(failureReply(new MessageValidationError(Register, errors)));
    expect(JSON.stringify(wire)).not.toContain('not an email');
    expect(JSON.stringify(wire)).not.toContain('hunter2');
    let revived: unknown;
    try {
      openReply(wire, 'command', Register);
    } catch (error) {
      revived = error;
    }
    expect(revived).toBeInstanceOf(MessageValidationError);
    expect((revived as MessageValidationError).messageType).toBe(Register);
    expect((revived as MessageValidationError).violations).toEqual([
      { property: 'email', constraints: ['email must be an email'] },
    ]);
  });

  it('a missing handler comes back as RemoteHandlerNotFoundError; an envelope error keeps its code', () => {
    expect(() =>
      openReply(overWire(failureReply(new HandlerNotFoundError('command', Register))), 'command', Register),
    ).toThrow(RemoteHandlerNotFoundError);
    expect(() =>
      openReply(overWire(failureReply(new EnvelopeError('name', 'is wrong'))), 'command', Register),
    ).toThrow(expect.objectContaining({ name: 'EnvelopeError', code: 'CQRS_INVALID_ENVELOPE' }));
  });

  it('an unreadable reply is a RemoteError, never a crash', () => {
    for (const reply of [null, 'ok', 42, undefined]) {
      expect(() => openReply(reply, 'query', Register)).toThrow(
        expect.objectContaining({ code: 'CQRS_INVALID_REPLY' }),
      );
    }
    expect(() => openReply({ ok: false }, 'query', Register)).toThrow(RemoteError);
  });
});

describe('sendRequest over a ClientProxy (no server)', () => {
  const target: RemoteTarget = {
    kind: 'query',
    messageType: Register,
    messageName: 'Register',
    subject: 'cqrs.query.Register',
  };
  const clientOf = (send: (pattern: string, data: unknown) => Observable<unknown>) =>
    ({ send }) as unknown as ClientProxy;
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => new Error('resolved'),
      (e: unknown) => e,
    );

  it('resolves to the last value of the reply stream', async () => {
    await expect(
      sendRequest(
        clientOf(() => of(1, 2)),
        target,
        {},
        100,
      ),
    ).resolves.toBe(2);
  });

  it('no answer within the timeout → RemoteTimeoutError, and the request is unsubscribed', async () => {
    let unsubscribed = false;
    const hanging = new Observable(() => () => {
      unsubscribed = true;
    });
    const error = await failureOf(
      sendRequest(
        clientOf(() => hanging),
        target,
        {},
        30,
      ),
    );
    expect(error).toBeInstanceOf(RemoteTimeoutError);
    expect(error).toMatchObject({ messageName: 'Register', timeoutMs: 30 });
    expect(unsubscribed).toBe(true);
    await expect(
      failureOf(
        sendRequest(
          clientOf(() => NEVER),
          target,
          {},
          10,
        ),
      ),
    ).resolves.toBeInstanceOf(RemoteTimeoutError);
  });

  it('transport failures → TransportUnavailableError, with the cause kept', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4222'), { code: 'ECONNREFUSED' });
    const error = await failureOf(
      sendRequest(
        clientOf(() => throwError(() => refused)),
        target,
        {},
        100,
      ),
    );
    expect(error).toBeInstanceOf(TransportUnavailableError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).cause).toBe(refused);
    // ClientNats rejects with a string while it reconnects.
    const lost = await failureOf(
      sendRequest(
        clientOf(() => throwError(() => 'Error: Connection lost. Trying to reconnect...')),
        target,
        {},
        100,
      ),
    );
    expect(lost).toBeInstanceOf(TransportUnavailableError);
    // A synchronous throw from send() is a rejection too.
    const sync = await failureOf(
      sendRequest(
        clientOf(() => {
          throw new Error('bad subject');
        }),
        target,
        {},
        100,
      ),
    );
    expect(sync).toBeInstanceOf(TransportUnavailableError);
  });

  it('Nest’s "no matching message handler" → RemoteHandlerNotFoundError; an error object from the remote side → RemoteError', async () => {
    const noHandler = await failureOf(
      sendRequest(
        clientOf(() =>
          throwError(() => 'There is no matching message handler defined in the remote service.'),
        ),
        target,
        {},
        100,
      ),
    );
    expect(noHandler).toBeInstanceOf(RemoteHandlerNotFoundError);
    const rpc = await failureOf(
      sendRequest(
        clientOf(() => throwError(() => ({ status: 'error', message: 'Internal server error' }))),
        target,
        {},
        100,
      ),
    );
    expect(rpc).toBeInstanceOf(RemoteError);
    expect(rpc).toMatchObject({ name: 'Error', message: 'Internal server error' });
  });
});

describe('the cqrs-timeout header', () => {
  it('overrides the timeout when it holds an integer number of ms from 1 to 2³¹−1, and is an InvalidTimeoutError otherwise', () => {
    expect(timeoutOf({ 'cqrs-timeout': '250' }, 5000)).toBe(250);
    expect(timeoutOf({ 'cqrs-timeout': '2147483647' }, 5000)).toBe(2 ** 31 - 1);
    for (const value of ['0', '-1', 'soon', '', 'Infinity', '2147483648', '1e3', '1.5', ' 5'])
      expect(() => timeoutOf({ 'cqrs-timeout': value }, 5000)).toThrow(InvalidTimeoutError);
    expect(timeoutOf({}, 5000)).toBe(5000);
  });
});

describe('subjects (no server)', () => {
  it('are <prefix>.<kind>.<name>', () => {
    expect(remoteSubject('command', 'orders.place')).toBe('cqrs.command.orders.place');
    expect(remoteSubject('query', 'GetOrder', 'billing')).toBe('billing.query.GetOrder');
  });

  it.each(['orders place', 'orders.*', 'orders.>', 'orders..place', ''])(
    'refuse the message name %p, which NATS would read as a wildcard or refuse',
    (name) => {
      expect(() => remoteSubject('command', name)).toThrow(InvalidSubjectError);
    },
  );
});
