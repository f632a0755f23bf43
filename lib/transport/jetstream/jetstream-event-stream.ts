import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type { Envelope } from '../../core/envelope.js';
import { describeError } from '../../core/names.js';
import { DEFAULT_SUBJECT_PREFIX, remoteSubject } from '../subjects.js';
import { TransportUnavailableError } from '../remote-errors.js';
import { JetStreamOptionsError } from './jetstream-errors.js';
import type { CqrsJetStreamModuleOptions, NatsConnectionLike } from './jetstream-options.interface.js';
import { jetStreamPeer, natsPeer } from './jetstream-peers.js';

/** Default name of the stream that stores the events. */
export const DEFAULT_EVENT_STREAM = 'CQRS_EVENTS';

/** Default duplicate window of the stream, in milliseconds. */
export const DEFAULT_DUPLICATE_WINDOW = 120_000;

/** Default bound of one publish (every retry included), in milliseconds. */
export const DEFAULT_PUBLISH_TIMEOUT = 5_000;

const NAME = /^[A-Za-z0-9_-]+$/;
const MS = 1_000_000;

/**
 * The event stream of one application: its NATS connection, the stream `<stream>` on
 * `<prefix>.event.>` and the dead-letter stream `<stream>_DEAD` on `<prefix>.dead.>` (both created
 * with file storage when missing), and the publishing of envelopes into it.
 */
export class JetStreamEventStream {
  /** The stream's name. */
  readonly stream: string;
  /** The dead-letter stream's name. */
  readonly deadLetterStream: string;
  /** The subject prefix. */
  readonly prefix: string;
  private connection: NatsConnectionLike | undefined;
  private client: JetStreamClient | undefined;
  private manager: JetStreamManager | undefined;
  private opening: Promise<void> | undefined;
  private readonly ownsConnection: boolean;

  constructor(private readonly options: CqrsJetStreamModuleOptions) {
    if (options.connection === undefined && options.servers === undefined) {
      throw new JetStreamOptionsError(
        'servers',
        'or connection is required: give the NATS servers to connect to',
      );
    }
    this.stream = options.stream ?? DEFAULT_EVENT_STREAM;
    if (!NAME.test(this.stream)) {
      throw new JetStreamOptionsError(
        'stream',
        `'${this.stream}' may only hold letters, digits, '_' and '-'`,
      );
    }
    this.deadLetterStream = `${this.stream}_DEAD`;
    this.prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    this.ownsConnection = options.connection === undefined;
  }

  /** Connects (unless given a connection) and makes sure both streams exist. Idempotent. */
  open(): Promise<void> {
    return (this.opening ??= this.connect());
  }

  /** The subject events of this name are stored on. */
  subjectOf(messageName: string): string {
    return remoteSubject('event', messageName, this.prefix);
  }

  /** The dead-letter subject of a consumer's events of this name. */
  deadLetterSubjectOf(durable: string, messageName: string): string {
    return `${this.prefix}.dead.${durable}.${messageName}`;
  }

  /** The JetStream client, once open. */
  jetStream(): JetStreamClient {
    if (this.client === undefined) throw new Error('JetStreamEventStream: open() first');
    return this.client;
  }

  /** The JetStream manager, once open. */
  jetStreamManager(): JetStreamManager {
    if (this.manager === undefined) throw new Error('JetStreamEventStream: open() first');
    return this.manager;
  }

  /**
   * Stores an envelope on its subject and resolves once the stream has it. The envelope id is the
   * `Nats-Msg-Id`, so the retries made here (until `publishTimeout`) and any retry by the caller
   * within the duplicate window store it once. `timeoutMs` bounds it (default `publishTimeout`). Rejects with `TransportUnavailableError` when the
   * stream could not be reached in time: the event may or may not be stored.
   */
  async store(
    subject: string,
    envelope: Envelope,
    timeoutMs = this.options.publishTimeout ?? DEFAULT_PUBLISH_TIMEOUT,
  ): Promise<PubAck> {
    await this.open();
    const js = this.client!;
    const data = JSON.stringify(envelope);
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      try {
        return await js.publish(subject, data, {
          msgID: envelope.id,
          timeout: Math.max(100, Math.min(left, 2_000)),
        });
      } catch (error) {
        if (Date.now() + 50 >= deadline) {
          throw new TransportUnavailableError(
            envelope.name,
            `the JetStream stream '${this.stream}' did not confirm storing it on '${subject}' (${describeError(error)}). ` +
              `It may or may not be stored; publishing it again with the same id within the duplicate window stores it once.`,
            { cause: error },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 500)));
      }
    }
  }

  /** Closes the connection when the stream opened it (after flushing what is buffered). */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening === undefined) return;
    await opening.catch(() => undefined);
    const connection = this.connection;
    this.connection = this.client = this.manager = undefined;
    if (connection !== undefined && this.ownsConnection && !connection.isClosed()) {
      // A drain waits for the server: bounded, so that closing with the broker down cannot hang.
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000)));
      await Promise.race([connection.drain().catch(() => undefined), bounded]);
      clearTimeout(timer);
      if (!connection.isClosed()) await connection.close().catch(() => undefined);
    }
  }

  private async connect(): Promise<void> {
    const { jetstream, jetstreamManager } = jetStreamPeer();
    const connection =
      this.options.connection ??
      (await natsPeer().connect({
        servers: this.options.servers,
        // A broker restart must not end the application's connection.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        name: `nestjs-cqrs-lite ${this.stream}`,
      }));
    this.connection = connection;
    const manager = await jetstreamManager(connection);
    await this.ensureStream(manager, this.stream, `${this.prefix}.event.>`, {
      duplicate_window: (this.options.duplicateWindow ?? DEFAULT_DUPLICATE_WINDOW) * MS,
    });
    await this.ensureStream(manager, this.deadLetterStream, `${this.prefix}.dead.>`, {});
    this.manager = manager;
    this.client = jetstream(connection);
  }

  private async ensureStream(
    manager: JetStreamManager,
    name: string,
    subject: string,
    extra: { duplicate_window?: number },
  ): Promise<void> {
    try {
      const info = await manager.streams.info(name);
      if (!info.config.subjects?.includes(subject)) {
        throw new JetStreamOptionsError(
          'stream',
          `names the existing stream '${name}', which does not store '${subject}' (its subjects: ` +
            `${(info.config.subjects ?? []).join(', ')}). Choose another stream name or subject prefix`,
        );
      }
      return;
    } catch (error) {
      if (error instanceof JetStreamOptionsError) throw error;
      if (!isNotFound(error)) throw error;
    }
    const { StorageType } = jetStreamPeer();
    await manager.streams.add({ name, subjects: [subject], storage: StorageType.File, ...extra });
  }
}

function isNotFound(error: unknown): boolean {
  const { JetStreamApiError, JetStreamApiCodes } = jetStreamPeer();
  if (error instanceof JetStreamApiError) {
    return (
      error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound
    );
  }
  return /not found/i.test(describeError(error));
}
