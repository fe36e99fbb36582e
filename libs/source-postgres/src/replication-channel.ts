/**
 * One logical replication connection (pg-logical-replication, pgoutput protocol 1) delivering
 * decoded messages and keepalives, in wire order, to one consumer.
 *
 * - Order: messages are queued when the plugin parses them and keepalives when they arrive, both
 *   synchronously in the socket's callback, so a keepalive is never seen before the data sent
 *   ahead of it (the library hands data to listeners later than keepalives).
 * - Backpressure: with the library's flow control, the socket is paused while `data` listeners
 *   run; ours waits until the queue has space, so a slow consumer pauses the socket.
 * - Values: every column is left as the server's text (the library would parse with pg's global
 *   type parsers); `WALSENDER_OPTIONS` fixes the text forms.
 * - Acknowledgement: only `acknowledge()` moves the flush LSN; keepalives asking for a reply and a
 *   timer are answered with the last acknowledged LSN, never with what was merely received.
 *
 * States: created → streaming (`start()`) → closed (`close()`, or the stream failed: the consumer
 * gets the queued items, then the error).
 */
import { replicatorError, type Secret } from '@database-replicator/core';
import { withDatabase } from '@database-replicator/postgres';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { BoundedQueue } from './bounded-queue.js';
import {
  APPLICATION_NAME,
  QUEUE_MAX_BYTES,
  QUEUE_MAX_MESSAGES,
  STATUS_INTERVAL_MS,
  WALSENDER_OPTIONS,
} from './constants.js';
import { laterOf, lsnBefore } from './position.js';

/** What the channel delivers. */
export type StreamItem =
  | Readonly<{ kind: 'message'; message: Pgoutput.Message }>
  /** A primary keepalive: everything up to `walEnd` was sent (or skipped by the server). */
  | Readonly<{ kind: 'keepalive'; walEnd: string }>;

/** Options of a {@link ReplicationChannel}. */
export type ReplicationChannelOptions = Readonly<{
  url: Secret;
  database: string;
  slot: string;
  publication: string;
  /** START_REPLICATION position. */
  startLsn: string;
  /** Flush LSN reported until `acknowledge()` moves it; at least the slot's confirmed flush. */
  ackedLsn: string;
}>;

const rawText = (value: unknown): unknown => value;

/** pgoutput with column values left as text, reporting each message as it is parsed. */
class RawTextPgoutputPlugin extends PgoutputPlugin {
  readonly #onMessage: (message: Pgoutput.Message, bytes: number) => void;

  constructor(
    options: Pgoutput.Options,
    onMessage: (message: Pgoutput.Message, bytes: number) => void,
  ) {
    super(options);
    this.#onMessage = onMessage;
  }

  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    // The relation is cached by the parser and its columns' parsers decode every later tuple of
    // the table, so replacing them here, before the next message is parsed, covers them all.
    if (message.tag === 'relation') for (const column of message.columns) column.parser = rawText;
    this.#onMessage(message, buffer.length);
    return message;
  }
}

export class ReplicationChannel {
  readonly #options: ReplicationChannelOptions;
  readonly #queue = new BoundedQueue<StreamItem>({
    maxItems: QUEUE_MAX_MESSAGES,
    maxBytes: QUEUE_MAX_BYTES,
  });
  readonly #service: LogicalReplicationService;
  #acked: string;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #subscribed: Promise<void> = Promise.resolve();

  constructor(options: ReplicationChannelOptions) {
    this.#options = options;
    this.#acked = options.ackedLsn;
    this.#service = new LogicalReplicationService(
      {
        connectionString: withDatabase(options.url, options.database).reveal(),
        application_name: APPLICATION_NAME,
        options: WALSENDER_OPTIONS,
        connectionTimeoutMillis: 10_000,
      },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
  }

  /** Opens the connection and starts streaming from `startLsn`. */
  start(): void {
    const { slot, publication, startLsn } = this.#options;
    const service = this.#service;
    service.on('error', (error: unknown) => this.#fail(error));
    service.on('start', () => this.#sendStatus());
    service.on('data', () => this.#queue.waitForSpace());
    service.on('heartbeat', (walEnd: string, _at: number, shouldRespond: boolean) => {
      if (shouldRespond) this.#sendStatus();
      this.#queue.push({ kind: 'keepalive', walEnd }, 0);
    });
    const plugin = new RawTextPgoutputPlugin(
      { protoVersion: 1, publicationNames: [publication] },
      (message, bytes) => this.#queue.push({ kind: 'message', message }, bytes),
    );
    this.#subscribed = service.subscribe(plugin, slot, startLsn).then(
      () => {
        if (this.#closing) this.#queue.end();
        else this.#fail(new Error('the server ended the replication stream'));
      },
      (error: unknown) => this.#fail(error),
    );
    this.#timer = setInterval(() => this.#sendStatus(), STATUS_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Delivered items, in wire order; ends after `close()`, throws when the stream failed. */
  items(): AsyncIterable<StreamItem> {
    return this.#queue.drain();
  }

  /** Everything up to `lsn` is checkpointed: report it as flushed (never moves backwards). */
  acknowledge(lsn: string): void {
    this.#acked = laterOf(this.#acked, lsn);
    this.#sendStatus();
  }

  /** Stops streaming and closes the connection. Idempotent; never throws. */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      clearInterval(this.#timer);
      this.#queue.end();
      await this.#service.destroy().catch(() => undefined);
    }
    await this.#subscribed;
  }

  #sendStatus(): void {
    this.#service.acknowledge(lsnBefore(this.#acked)).catch((error: unknown) => this.#fail(error));
  }

  #fail(error: unknown): void {
    if (this.#closing) return;
    clearInterval(this.#timer);
    this.#queue.fail(streamError(this.#options, error));
  }
}

function streamError(options: ReplicationChannelOptions, error: unknown) {
  const { slot, database, publication } = options;
  const reason = error instanceof Error ? error.message : String(error);
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  // 42704 undefined_object: the slot, or the publication pgoutput looks up, does not exist.
  if (code === '42704') {
    return replicatorError(
      'REPL_SOURCE_SLOT_MISSING',
      `Streaming from slot ${slot} (publication ${publication}) in database ${database} failed: ${reason}`,
      { details: { database, slot, publication }, cause: error },
    );
  }
  return replicatorError(
    'REPL_SOURCE_STREAM_FAILED',
    `The replication stream of slot ${slot} in database ${database} failed: ${reason}`,
    { details: { database, slot }, cause: error },
  );
}
